import { expect } from 'chai';
import { waitFor } from '@nself-jobs/test-helpers';
import type { Runtime } from '../../src/runtime.js';
import { jobRow, startTestRuntime } from '../support/test-runtime.js';
import { sample } from './prom-text.js';

/** The same operations on BullMQ's PostgreSQL backend (the embedded default of `jobs dev`). */
describe('operations on the PostgreSQL queue backend', function () {
  this.timeout(60000);
  let runtime: Runtime;
  /** Another process, as far as the cancel channel is concerned. */
  let workers: Runtime;

  before(async () => {
    runtime = await startTestRuntime({ JOBS_REDIS_URL: '' });
    workers = await startTestRuntime({ JOBS_REDIS_URL: '', DATABASE_URL: runtime.config.database.connectionString! });
    await workers.startWorkers({ queues: ['default'], concurrency: 3 });
  });
  after(async () => {
    await workers?.close(1000);
    await runtime?.close(1000);
  });

  const settled = (id: string, statuses = ['completed', 'failed', 'cancelled']) => waitFor(async () => {
    const row = await jobRow(runtime.pool, id);
    return row && statuses.includes(row.status) ? row : undefined;
  }, `job ${id} to settle in ${statuses.join('/')}`);

  it('uses the PostgreSQL backend', () => {
    expect(runtime.backend.kind).to.equal('postgres');
  });

  it('retries a failed job in the backend, and re-creates one the backend lost', async () => {
    const job = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 1 }, options: { maxRetries: 0 } });
    expect((await settled(job.id)).status).to.equal('failed');
    expect((await runtime.operations.retry(job.id)).outcome).to.equal('retried');
    expect((await settled(job.id, ['completed'])).attempts_made).to.equal(2);

    const lost = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 0 }, options: { delay: 60000 } });
    await runtime.queue('default').remove(lost.id);
    await runtime.pool.query(`UPDATE jobs SET status = 'failed' WHERE id = $1`, [lost.id]);
    expect((await runtime.operations.retry(lost.id)).outcome).to.equal('recreated');
    await settled(lost.id, ['completed']);
  });

  it('cancels a delayed job, stops a running one, promotes a delayed one', async () => {
    const delayed = await runtime.producer.enqueue({ type: 'echo', payload: {}, options: { delay: 60000 } });
    expect((await runtime.operations.cancel(delayed.id)).how).to.equal('removed');

    const running = await runtime.producer.enqueue({ type: 'sleep', payload: { ms: 20000 } });
    await waitFor(async () => (await runtime.queue('default').getJobState(running.id)) === 'active', 'the job to run');
    expect(await runtime.operations.cancel(running.id)).to.include({ status: 'cancelled', how: 'stopped' });
    expect((await settled(running.id)).status).to.equal('cancelled');

    const later = await runtime.producer.enqueue({ type: 'echo', payload: {}, options: { delay: 60000 } });
    await runtime.operations.promote(later.id);
    await settled(later.id, ['completed']);
  });

  it('pauses and resumes, and /metrics reads its gauges', async () => {
    await runtime.operations.pause('default');
    const job = await runtime.producer.enqueue({ type: 'echo', payload: {} });
    await new Promise((r) => setTimeout(r, 500));
    expect((await jobRow(runtime.pool, job.id))?.status).to.equal('waiting');
    const text = (await runtime.metrics.render()).body;
    expect(sample(text, 'nself_jobs_queue_jobs', { queue: 'default', state: 'waiting' })).to.equal(1);
    expect(sample(text, 'nself_jobs_queue_paused', { queue: 'default' })).to.equal(1);
    await runtime.operations.resume('default');
    await settled(job.id, ['completed']);
  });
});
