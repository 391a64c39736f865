import { expect } from 'chai';
import { waitFor } from '@nself-jobs/test-helpers';
import { startTestServer, type TestServer } from './support.js';

describe('server: the BullBoard dashboard', () => {
  let t: TestServer;

  before(async () => {
    t = await startTestServer();
    await t.runtime.startWorkers({ queues: ['default', 'high-priority', 'low-priority'], concurrency: 2 });
  });
  after(() => t?.close());

  const recordStatus = async (id: string) => (await t.call('GET', `/api/jobs/${id}`)).body.status as string;

  it('serves its page, and the assets the page names load', async () => {
    const page = await t.call('GET', '/dashboard');
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.match(/^text\/html/);
    expect(page.text).to.contain('<title>nself-jobs</title>');
    expect(page.text).to.contain('<base href="/dashboard/"');
    const scripts = [...page.text.matchAll(/src="(static\/js\/[^"]+\.js)"/g)].map((m) => m[1]);
    const styles = [...page.text.matchAll(/href="(static\/css\/[^"]+\.css)"/g)].map((m) => m[1]);
    expect(scripts).to.not.be.empty;
    expect(styles).to.not.be.empty;
    for (const asset of [...scripts, ...styles]) {
      const reply = await t.call('GET', `/dashboard/${asset}`);
      expect(reply.status, asset).to.equal(200);
      expect(reply.headers.get('content-type'), asset).to.match(asset.endsWith('.js') ? /javascript/ : /text\/css/);
      expect(reply.text.length, asset).to.be.greaterThan(100);
    }
    expect((await t.call('GET', '/dashboard/queue/default')).status, 'a client-side route').to.equal(200);
  });

  it('its JSON API lists every known queue', async () => {
    const reply = await t.call('GET', '/dashboard/api/queues');
    expect(reply.status).to.equal(200);
    expect(reply.body.queues.map((q: { name: string }) => q.name)).to.include.members(['default', 'high-priority', 'low-priority']);
  });

  it('retries a failed job: the job runs again and the record follows', async () => {
    const created = await t.call('POST', '/api/jobs', { body: { type: 'flaky', payload: { failTimes: 1 }, options: { maxRetries: 0 } } });
    const id = created.body.id;
    await waitFor(async () => (await recordStatus(id)) === 'failed', 'the job to fail');
    const failed = await t.call('GET', '/dashboard/api/queues?activeQueue=default&status=failed&page=1');
    const defaultQueue = failed.body.queues.find((q: { name: string }) => q.name === 'default');
    expect(defaultQueue.jobs.map((j: { id: string }) => j.id)).to.include(id);

    const retry = await t.call('PUT', `/dashboard/api/queues/default/${id}/retry`);
    expect(retry.status, retry.text).to.equal(204);
    await waitFor(async () => (await recordStatus(id)) === 'completed', 'the retried job to complete');
    const job = (await t.call('GET', `/api/jobs/${id}`)).body;
    expect(job.result.result).to.deep.equal({ succeededOnAttempt: 2 });
    expect(job.failures).to.have.length(1);
  });

  it('promotes a delayed job so that it runs now', async () => {
    const created = await t.call('POST', '/api/jobs', { body: { type: 'echo', payload: { p: 1 }, options: { delay: 3_600_000 } } });
    expect(created.body.status).to.equal('delayed');
    const promote = await t.call('PUT', `/dashboard/api/queues/default/${created.body.id}/promote`);
    expect(promote.status, promote.text).to.be.oneOf([200, 204]);
    await waitFor(async () => (await recordStatus(created.body.id)) === 'completed', 'the promoted job to complete');
  });

  it('cleans a completed job from the backend; its record stays', async () => {
    const created = await t.call('POST', '/api/jobs', { body: { type: 'echo', payload: { c: 1 } } });
    const id = created.body.id;
    await waitFor(async () => (await recordStatus(id)) === 'completed', 'the job to complete');
    await waitFor(async () => (await t.runtime.queue('default').getJobState(id)) === 'completed', 'the backend to mark it completed');
    const clean = await t.call('PUT', `/dashboard/api/queues/default/${id}/clean`);
    expect(clean.status, clean.text).to.equal(204);
    expect(await t.runtime.queue('default').getJob(id)).to.equal(undefined);
    expect(await recordStatus(id)).to.equal('completed');
  });

  it('an unknown queue is a 404 from its API, without a stack', async () => {
    const reply = await t.call('PUT', '/dashboard/api/queues/nowhere/123/retry');
    expect(reply.status).to.equal(404);
    expect(reply.text).to.not.match(/\n\s+at /);
  });
});

describe('server: the dashboard and API on BullMQ\'s PostgreSQL backend (the embedded default)', () => {
  let t: TestServer;
  before(async () => { t = await startTestServer({ JOBS_REDIS_URL: '' }); });
  after(() => t?.close());

  it('lists the queues, counts a delayed job, and promotes it', async () => {
    expect(t.runtime.backend.kind).to.equal('postgres');
    const created = await t.call('POST', '/api/jobs', { body: { type: 'echo', options: { delay: 3_600_000 } } });
    expect(created.status).to.equal(201);
    expect((await t.call('GET', '/dashboard')).status).to.equal(200);
    const queues = await t.call('GET', '/dashboard/api/queues');
    const defaultQueue = queues.body.queues.find((q: { name: string }) => q.name === 'default');
    expect(defaultQueue.counts.delayed).to.equal(1);
    expect((await t.call('GET', '/api/stats')).body.queues.default.delayed).to.equal(1);
    const promote = await t.call('PUT', `/dashboard/api/queues/default/${created.body.id}/promote`);
    expect(promote.status, promote.text).to.equal(204);
    expect(await t.runtime.queue('default').getJobState(created.body.id)).to.be.oneOf(['waiting', 'prioritized']);
    expect((await t.call('GET', '/ready')).status).to.equal(200);
  });
});
