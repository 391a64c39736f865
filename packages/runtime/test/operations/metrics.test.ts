import { expect } from 'chai';
import { waitFor } from '@nself-jobs/test-helpers';
import type { Runtime } from '../../src/runtime.js';
import { jobRow, startTestRuntime } from '../support/test-runtime.js';
import { sample } from './prom-text.js';

describe('metrics (prom-client, real Redis and PostgreSQL)', () => {
  let runtime: Runtime;

  before(async () => {
    runtime = await startTestRuntime();
    await runtime.startWorkers({ queues: ['default'], concurrency: 5 });
  });
  after(() => runtime?.close(1000));

  const scrape = async () => (await runtime.metrics.render()).body;
  const settled = (id: string) => waitFor(async () => {
    const row = await jobRow(runtime.pool, id);
    return row && ['completed', 'failed', 'cancelled'].includes(row.status) ? row : undefined;
  }, `job ${id} to settle`);

  it('counts what this process enqueued, completed, failed, retried and cancelled, with duration histograms', async () => {
    const ok = await Promise.all([1, 2, 3].map(() => runtime.producer.enqueue({ type: 'echo', payload: {} })));
    const flaky = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 1 } }); // one backoff retry, then completes
    const dead = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 9 }, options: { maxRetries: 0 } });
    const later = await runtime.producer.enqueue({ type: 'echo', payload: {}, options: { delay: 60000 } });
    await Promise.all([...ok, flaky, dead].map((j) => settled(j.id)));
    await runtime.operations.cancel(later.id);
    await runtime.operations.retry(dead.id);
    await settled(dead.id);

    const text = await scrape();
    const echo = { queue: 'default', type: 'echo' };
    const flakyLabels = { queue: 'default', type: 'flaky' };
    expect(sample(text, 'nself_jobs_enqueued_total', echo)).to.equal(4);
    expect(sample(text, 'nself_jobs_enqueued_total', flakyLabels)).to.equal(2);
    expect(sample(text, 'nself_jobs_completed_total', echo)).to.equal(3);
    expect(sample(text, 'nself_jobs_completed_total', flakyLabels)).to.equal(1);
    expect(sample(text, 'nself_jobs_failed_total', flakyLabels)).to.equal(2); // the dead letter, then its retry failing again
    expect(sample(text, 'nself_jobs_retried_total', { ...flakyLabels, trigger: 'backoff' })).to.equal(1);
    expect(sample(text, 'nself_jobs_retried_total', { ...flakyLabels, trigger: 'manual' })).to.equal(1);
    expect(sample(text, 'nself_jobs_cancelled_total', echo)).to.equal(1);
    expect(sample(text, 'nself_jobs_duration_seconds_count', { ...echo, outcome: 'completed' })).to.equal(3);
    expect(sample(text, 'nself_jobs_duration_seconds_count', { ...flakyLabels, outcome: 'retrying' })).to.equal(1);
    expect(sample(text, 'nself_jobs_duration_seconds_bucket', { ...echo, outcome: 'completed', le: '+Inf' })).to.equal(3);
    expect(text).to.match(/^# TYPE nself_jobs_duration_seconds histogram$/m);
  });

  it('reads queue gauges from the backend at each scrape, and shows the record\'s lag and backlog and process metrics', async () => {
    await runtime.operations.pause('default');
    try {
      await Promise.all([1, 2].map(() => runtime.producer.enqueue({ type: 'echo', payload: {} })));
      await runtime.producer.enqueue({ type: 'echo', payload: {}, options: { delay: 60000 } });
      const text = await scrape();
      expect(sample(text, 'nself_jobs_queue_jobs', { queue: 'default', state: 'waiting' })).to.equal(2);
      expect(sample(text, 'nself_jobs_queue_jobs', { queue: 'default', state: 'delayed' })).to.equal(1);
      expect(sample(text, 'nself_jobs_queue_jobs', { queue: 'default', state: 'active' })).to.equal(0);
      expect(sample(text, 'nself_jobs_queue_paused', { queue: 'default' })).to.equal(1);
      expect(sample(text, 'nself_jobs_queue_jobs', { queue: 'high-priority', state: 'waiting' })).to.equal(0);
      expect(sample(text, 'nself_jobs_backend_up')).to.equal(1);
      expect(sample(text, 'nself_jobs_record_write_lag_seconds')).to.be.a('number');
      expect(sample(text, 'nself_jobs_record_backlog')).to.be.a('number');
      expect(sample(text, 'nself_jobs_record_rows_written_total')).to.be.above(0);
      expect(sample(text, 'process_cpu_seconds_total')).to.be.a('number');
      expect(sample(text, 'nodejs_eventloop_lag_seconds')).to.be.a('number');
    } finally {
      await runtime.operations.resume('default');
    }
    await waitFor(async () => sample(await scrape(), 'nself_jobs_queue_jobs', { queue: 'default', state: 'waiting' }) === 0, 'the waiting gauge to drop after resume');
  });
});
