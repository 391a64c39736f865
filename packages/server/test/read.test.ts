import { expect } from 'chai';
import { waitFor } from '@nself-jobs/test-helpers';
import { startTestServer, type TestServer } from './support.js';

describe('server: GET /api/jobs/:id, GET /api/jobs, GET /api/stats (workers running)', () => {
  let t: TestServer;

  before(async () => {
    t = await startTestServer();
    await t.runtime.startWorkers({ queues: ['default', 'high-priority', 'low-priority'], concurrency: 5 });
  });
  after(() => t?.close());

  const finished = (id: string) => waitFor(async () => {
    const reply = await t.call('GET', `/api/jobs/${id}`);
    return ['completed', 'failed'].includes(reply.body?.status) ? reply : undefined;
  }, `job ${id} to finish`);

  describe('GET /api/jobs/:id', () => {
    it('returns the record with its result and its failed attempts, oldest first', async () => {
      const created = await t.call('POST', '/api/jobs', { body: { type: 'flaky', payload: { failTimes: 2 }, options: { maxRetries: 3 } } });
      const reply = await finished(created.body.id);
      expect(reply.status).to.equal(200);
      const job = reply.body;
      expect(job).to.include({ id: created.body.id, type: 'flaky', queue: 'default', status: 'completed', priority: 'normal', attempts_made: 3, max_attempts: 4 });
      expect(job.payload).to.deep.equal({ failTimes: 2 });
      for (const key of ['created_at', 'started_at', 'completed_at']) expect(Date.parse(job[key]), key).to.be.a('number').and.not.NaN;
      expect(job).to.have.property('last_error');
      expect(job).to.have.property('schedule_name', null);
      expect(job.result.result).to.deep.equal({ succeededOnAttempt: 3 });
      expect(job.result.duration_ms).to.be.a('number');
      expect(job.failures.map((f: { attempt_number: number }) => f.attempt_number)).to.deep.equal([1, 2]);
      expect(job.failures[0]).to.have.all.keys('attempt_number', 'error_message', 'error_code', 'failed_at');
      expect(job.failures[0].error_message).to.equal('flaky failure on attempt 1');
      expect(Date.parse(job.failures[1].failed_at)).to.be.at.least(Date.parse(job.failures[0].failed_at));
    });

    it('a failed job has result null and every failure', async () => {
      const created = await t.call('POST', '/api/jobs', { body: { type: 'refuse', payload: {} } });
      const job = (await finished(created.body.id)).body;
      expect(job.status).to.equal('failed');
      expect(job.result).to.equal(null);
      expect(job.failures).to.have.length(1);
      expect(job.failures[0].error_code).to.equal('JOB_PERMANENT_FAILURE');
    });

    it('404 for an unknown id, 400 for an id that is not a uuid', async () => {
      const missing = await t.call('GET', '/api/jobs/00000000-0000-4000-8000-000000000000');
      expect(missing.status).to.equal(404);
      expect(missing.body.error.code).to.equal('JOB_NOT_FOUND');
      const bad = await t.call('GET', '/api/jobs/42');
      expect(bad.status).to.equal(400);
      expect(bad.body.error).to.include({ code: 'PARAMETER_INVALID' });
      expect(bad.body.error.details[0].path).to.equal('id');
    });
  });

  describe('GET /api/jobs', () => {
    let echoIds: string[];

    before(async () => {
      const echo = await t.call('POST', '/api/jobs/bulk', { body: { jobs: Array.from({ length: 7 }, (_, i) => ({ type: 'echo', payload: { i } })) } });
      await t.call('POST', '/api/jobs/bulk', { body: { jobs: Array.from({ length: 3 }, () => ({ type: 'sleep', queue: 'low-priority', payload: { ms: 1 }, options: { delay: 600000 } })) } });
      await Promise.all(echo.body.jobs.map((j: { id: string }) => finished(j.id)));
      // The expected order, from the database: newest first, ties (one bulk insert shares created_at) by id.
      const { rows } = await t.runtime.pool.query(`SELECT id FROM jobs WHERE type = 'echo' ORDER BY created_at DESC, id DESC`);
      echoIds = rows.map((r) => r.id);
    });

    it('walks every page newest first with a filter, without gaps or repeats', async () => {
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const reply = await t.call('GET', `/api/jobs?type=echo&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(reply.status, reply.text).to.equal(200);
        seen.push(...reply.body.jobs.map((j: { id: string }) => j.id));
        sizes.push(reply.body.jobs.length);
        cursor = reply.body.nextCursor;
      } while (cursor && sizes.length < 10);
      expect(sizes).to.deep.equal([3, 3, 1]);
      expect(seen).to.deep.equal(echoIds);
    });

    it('filters by status, queue and type; empty parameters mean no filter', async () => {
      const delayed = await t.call('GET', '/api/jobs?status=delayed&queue=low-priority&type=sleep');
      expect(delayed.body.jobs).to.have.length(3);
      expect(delayed.body.jobs.every((j: { status: string; queue: string }) => j.status === 'delayed' && j.queue === 'low-priority')).to.equal(true);
      expect(delayed.body.nextCursor).to.equal(null);
      const none = await t.call('GET', '/api/jobs?status=delayed&queue=default');
      expect(none.body).to.deep.equal({ jobs: [], nextCursor: null });
      const all = await t.call('GET', '/api/jobs?status=&type=&queue=&limit=&cursor=');
      expect(all.status).to.equal(200);
      expect(all.body.jobs.length).to.be.at.least(12);
      expect(all.body.jobs[0]).to.include.keys('id', 'type', 'queue', 'status', 'payload', 'created_at');
    });

    for (const [query, parameter] of [
      ['limit=0', 'limit'], ['limit=201', 'limit'], ['limit=ten', 'limit'], ['status=done', 'status'],
      ['cursor=abc', 'cursor'], ['colour=red', 'colour'], ['type=a&type=b', 'type'],
    ]) {
      it(`400 naming the parameter for ?${query}`, async () => {
        const reply = await t.call('GET', `/api/jobs?${query}`);
        expect(reply.status, reply.text).to.equal(400);
        expect(reply.body.error.code).to.equal('PARAMETER_INVALID');
        expect(reply.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal([parameter]);
        expect(reply.body.error.message).to.contain(parameter);
      });
    }
  });

  describe('GET /api/stats', () => {
    it('counts per queue from the backend and per type from the record', async () => {
      const reply = await t.call('GET', '/api/stats?hours=24');
      expect(reply.status, reply.text).to.equal(200);
      const { queues, types, hours } = reply.body;
      expect(hours).to.equal(24);
      expect(Object.keys(queues)).to.include.members(['default', 'high-priority', 'low-priority']);
      expect(queues['low-priority']).to.include({ delayed: 3, paused: 0, isPaused: false });
      expect(queues.default).to.have.all.keys('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'paused', 'isPaused');
      expect(queues.default.completed).to.be.at.least(7);
      const echo = types.find((s: { type: string }) => s.type === 'echo');
      expect(echo).to.include({ total: 7, completed: 7, failed: 0, failureRate: 0 });
      expect(echo.avgDurationMs).to.be.a('number');
      expect(echo.p95DurationMs).to.be.a('number').and.at.least(0);
      const refuse = types.find((s: { type: string }) => s.type === 'refuse');
      expect(refuse).to.include({ failed: 1, failureRate: 1, avgDurationMs: null });
      const sleep = types.find((s: { type: string }) => s.type === 'sleep');
      expect(sleep).to.include({ total: 3, completed: 0, failureRate: null });
    });

    it('defaults to 24 hours and refuses a bad hours', async () => {
      expect((await t.call('GET', '/api/stats')).body.hours).to.equal(24);
      for (const bad of ['0', '-1', 'day', '8761']) {
        const reply = await t.call('GET', `/api/stats?hours=${bad}`);
        expect(reply.status, bad).to.equal(400);
        expect(reply.body.error.details[0].path).to.equal('hours');
      }
    });
  });
});
