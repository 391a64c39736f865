import { expect } from 'chai';
import { startHttpServer, waitFor, type TestHttpServer } from '@nself-jobs/test-helpers';
import { request, startTestServer, type TestServer } from './support.js';

const MISSING = '00000000-0000-4000-8000-000000000000';

describe('server: retry, cancel, promote, pause and resume (workers running)', () => {
  let t: TestServer;
  let target: TestHttpServer | undefined;

  before(async () => {
    t = await startTestServer();
    await t.runtime.startWorkers({ queues: ['default', 'high-priority', 'low-priority'], concurrency: 5 });
  });
  after(async () => {
    await target?.close();
    await t?.close();
  });

  const settled = (id: string, statuses = ['completed', 'failed', 'cancelled']) => waitFor(async () => {
    const reply = await t.call('GET', `/api/jobs/${id}`);
    return statuses.includes(reply.body?.status) ? reply.body : undefined;
  }, `job ${id} to settle in ${statuses.join('/')}`);
  const enqueue = async (body: unknown) => (await t.call('POST', '/api/jobs', { body })).body;

  describe('POST /api/jobs/:id/retry', () => {
    it('runs a failed http-request job again (no body needed) and it completes once the target is fixed', async () => {
      let healthy = false;
      target = await startHttpServer((_req, res) => {
        res.statusCode = healthy ? 200 : 500;
        res.end(healthy ? 'ok' : 'down');
      });
      const job = await enqueue({ type: 'http-request', payload: { url: `${target.url}/hook` }, options: { maxRetries: 0 } });
      const failed = await settled(job.id);
      expect(failed.status).to.equal('failed');
      expect(failed.failures).to.have.length(1);

      healthy = true;
      const reply = await t.call('POST', `/api/jobs/${job.id}/retry`);
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body).to.deep.equal({ id: job.id, type: 'http-request', queue: 'default', status: 'waiting', outcome: 'retried' });
      const done = await settled(job.id, ['completed']);
      expect(done.attempts_made).to.equal(2);
      expect(done.failures, 'the first attempt\'s error stays').to.have.length(1);
      expect(target.requests).to.have.length(2);
    });

    it('re-creates a job the backend no longer holds', async () => {
      const job = await enqueue({ type: 'flaky', payload: { failTimes: 1 }, options: { maxRetries: 1 } });
      await settled(job.id, ['completed']);
      await t.runtime.pool.query(`UPDATE jobs SET status = 'failed' WHERE id = $1`, [job.id]); // as if it had failed...
      await t.runtime.queue('default').remove(job.id); // ...and the backend's retention had removed it
      const reply = await t.call('POST', `/api/jobs/${job.id}/retry`);
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body.outcome).to.equal('recreated');
      const done = await settled(job.id, ['completed']);
      expect(done.result.result).to.deep.equal({ succeededOnAttempt: 2 }); // fresh attempts: fails once, then succeeds
    });

    it('is 409 for a completed job, 404 for an unknown one, 400 for a malformed id', async () => {
      const job = await enqueue({ type: 'echo', payload: {} });
      await settled(job.id, ['completed']);
      const completed = await t.call('POST', `/api/jobs/${job.id}/retry`);
      expect(completed.status).to.equal(409);
      expect(completed.body.error.code).to.equal('JOB_CONFLICT');
      expect(completed.body.error.message).to.match(/cannot be retried: it completed successfully/);
      expect((await t.call('POST', `/api/jobs/${MISSING}/retry`)).status).to.equal(404);
      const malformed = await t.call('POST', '/api/jobs/nope/retry');
      expect(malformed.status).to.equal(400);
      expect(malformed.body.error.code).to.equal('OPTIONS_INVALID');
    });
  });

  describe('DELETE /api/jobs/:id', () => {
    it('cancels a delayed job (200), then refuses it as finished (409)', async () => {
      const job = await enqueue({ type: 'echo', payload: {}, options: { delay: 60000 } });
      const reply = await t.call('DELETE', `/api/jobs/${job.id}`);
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body).to.include({ id: job.id, status: 'cancelled', how: 'removed' });
      expect((await t.call('GET', `/api/jobs/${job.id}`)).body.status).to.equal('cancelled');
      expect(await t.runtime.queue('default').getJob(job.id)).to.equal(undefined);
      const again = await t.call('DELETE', `/api/jobs/${job.id}`);
      expect(again.status).to.equal(409);
      expect(again.body.error.message).to.match(/already cancelled/);
    });

    it('stops a running job (its signal fires) and records it cancelled, not retried', async () => {
      const job = await enqueue({ type: 'sleep', payload: { ms: 20000 }, options: { maxRetries: 3 } });
      await waitFor(async () => (await t.runtime.queue('default').getJobState(job.id)) === 'active', 'the job to run');
      const started = Date.now();
      const reply = await t.call('DELETE', `/api/jobs/${job.id}`);
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body).to.include({ status: 'cancelled', how: 'stopped' });
      expect(Date.now() - started).to.be.below(3000);
      const row = await settled(job.id);
      expect(row.status).to.equal('cancelled');
      expect(row.attempts_made).to.equal(1);
      expect(row.failures).to.have.length(0);
    });

    it('is 409 for a completed job and 400 for a bad ?wait', async () => {
      const job = await enqueue({ type: 'echo', payload: {} });
      await settled(job.id, ['completed']);
      const reply = await t.call('DELETE', `/api/jobs/${job.id}`);
      expect(reply.status).to.equal(409);
      expect(reply.body.error.message).to.match(/already completed; only waiting, delayed or running jobs can be cancelled/);
      expect((await t.call('DELETE', `/api/jobs/${job.id}?wait=forever`)).status).to.equal(400);
    });
  });

  describe('POST /api/jobs/:id/promote', () => {
    it('runs a delayed job now (200) and refuses one that is not delayed (409)', async () => {
      const job = await enqueue({ type: 'echo', payload: { p: 1 }, options: { delay: 60000 } });
      const reply = await t.call('POST', `/api/jobs/${job.id}/promote`);
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body).to.deep.equal({ id: job.id, type: 'echo', queue: 'default', status: 'waiting' });
      await settled(job.id, ['completed']);
      const again = await t.call('POST', `/api/jobs/${job.id}/promote`);
      expect(again.status).to.equal(409);
      expect(again.body.error.code).to.equal('JOB_CONFLICT');
    });
  });

  describe('POST /api/queues/:name/pause|resume, GET /api/queues', () => {
    it('pauses (jobs wait), shows it, resumes (they run); 404 for an unknown queue', async () => {
      const paused = await t.call('POST', '/api/queues/low-priority/pause');
      expect(paused.status, paused.text).to.equal(200);
      expect(paused.body).to.deep.equal({ queue: 'low-priority', paused: true });
      const job = await enqueue({ type: 'echo', queue: 'low-priority', payload: {} });
      await new Promise((r) => setTimeout(r, 400));
      const queues = await t.call('GET', '/api/queues');
      expect(queues.body.queues['low-priority']).to.include({ paused: true, waiting: 1 });
      expect((await t.call('GET', `/api/jobs/${job.id}`)).body.status).to.equal('waiting');

      const resumed = await t.call('POST', '/api/queues/low-priority/resume', { body: {} }); // a JSON body is accepted too
      expect(resumed.status, resumed.text).to.equal(200);
      expect(resumed.body).to.deep.equal({ queue: 'low-priority', paused: false });
      await settled(job.id, ['completed']);

      const unknown = await t.call('POST', '/api/queues/nope/pause');
      expect(unknown.status).to.equal(404);
      expect(unknown.body.error.code).to.equal('QUEUE_NOT_FOUND');
      expect(unknown.body.error.message).to.match(/unknown queue "nope"/);
      expect((await t.call('GET', '/api/queues/default/pause')).status).to.equal(405);
    });
  });
});

describe('server: operations and /metrics with JOBS_API_KEY', () => {
  const KEY = 'ops-key';

  it('operations need the key; /metrics stays open unless JOBS_METRICS_REQUIRE_KEY=true', async () => {
    const open = await startTestServer({ JOBS_API_KEY: KEY });
    try {
      expect((await open.call('POST', '/api/queues/default/pause')).status).to.equal(401);
      expect((await open.call('DELETE', `/api/jobs/${MISSING}`)).status).to.equal(401);
      expect((await open.call('POST', '/api/queues/default/pause', { headers: { authorization: `Bearer ${KEY}` } })).status).to.equal(200);
      const metrics = await open.call('GET', '/metrics');
      expect(metrics.status).to.equal(200);
      expect(metrics.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    } finally {
      await open.close();
    }
    const closed = await startTestServer({ JOBS_API_KEY: KEY, JOBS_METRICS_REQUIRE_KEY: 'true' });
    try {
      const refused = await closed.call('GET', '/metrics');
      expect(refused.status).to.equal(401);
      expect(refused.headers.get('www-authenticate')).to.equal('Bearer realm="nself-jobs"');
      expect((await request(closed.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${KEY}` } })).status).to.equal(200);
    } finally {
      await closed.close();
    }
  });
});
