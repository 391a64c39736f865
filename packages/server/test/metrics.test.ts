import { expect } from 'chai';
import { startHttpServer, waitFor, type TestHttpServer } from '@nself-jobs/test-helpers';
import { sample } from '../../runtime/test/operations/prom-text.js';
import { startTestServer, type TestServer } from './support.js';

describe('server: GET /metrics after real jobs (Prometheus text format)', () => {
  let t: TestServer;
  let target: TestHttpServer;

  before(async () => {
    t = await startTestServer();
    await t.runtime.startWorkers({ queues: ['default'], concurrency: 5 });
    target = await startHttpServer((req, res) => {
      res.statusCode = req.url?.startsWith('/fail') ? 500 : 200;
      res.end();
    });
  });
  after(async () => {
    await target?.close();
    await t?.close();
  });

  it('changes when jobs run, and agrees with the record', async () => {
    const before = (await t.call('GET', '/metrics')).text;
    const labels = { queue: 'default', type: 'http-request' };
    expect(sample(before, 'nself_jobs_completed_total', labels) ?? 0).to.equal(0);

    const urls = ['/ok/1', '/ok/2', '/ok/3', '/fail/1', '/fail/2'];
    const ids: string[] = [];
    for (const path of urls) {
      const reply = await t.call('POST', '/api/jobs', { body: { type: 'http-request', payload: { url: `${target.url}${path}` }, options: { maxRetries: 0 } } });
      ids.push(reply.body.id);
    }
    await waitFor(async () => {
      const { rows } = await t.runtime.pool.query(`SELECT count(*)::int AS n FROM jobs WHERE status IN ('completed', 'failed')`);
      return rows[0].n === urls.length;
    }, 'every job to finish');

    const after = (await t.call('GET', '/metrics')).text;
    expect(sample(after, 'nself_jobs_enqueued_total', labels)).to.equal(5);
    expect(sample(after, 'nself_jobs_completed_total', labels)).to.equal(3);
    expect(sample(after, 'nself_jobs_failed_total', labels)).to.equal(2);
    expect(sample(after, 'nself_jobs_duration_seconds_count', { ...labels, outcome: 'completed' })).to.equal(3);
    expect(sample(after, 'nself_jobs_queue_jobs', { queue: 'default', state: 'waiting' })).to.equal(0);
    const stats = (await t.call('GET', '/api/stats')).body;
    expect(stats.queues.default).to.include({ completed: 3, failed: 2 });
  });
});
