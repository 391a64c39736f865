import { expect } from 'chai';
import { waitFor } from '@nself-jobs/test-helpers';
import type { Runtime } from '../../src/runtime.js';
import { jobRow, startTestRuntime } from '../support/test-runtime.js';

describe('reconciling the record with the backend after a crash', () => {
  let runtime: Runtime;

  beforeEach(async () => {
    runtime = await startTestRuntime();
  });
  afterEach(() => runtime?.close(500));

  it('rebuilds a completion that never reached the record', async () => {
    await runtime.startWorkers({ queues: ['default'], reconcile: false });
    const job = await runtime.producer.enqueue({ type: 'echo', payload: { n: 1 } });
    await waitFor(async () => (await jobRow(runtime.pool, job.id))?.status === 'completed', 'completion');
    // What a process that died with its buffer leaves behind: the row still says waiting.
    await runtime.pool.query(`DELETE FROM job_results WHERE job_id = $1`, [job.id]);
    await runtime.pool.query(`UPDATE jobs SET status = 'waiting', completed_at = NULL WHERE id = $1`, [job.id]);

    const report = await runtime.reconcile(['default']);
    expect(report.rebuilt).to.equal(1);
    const row = await jobRow(runtime.pool, job.id);
    expect(row?.status).to.equal('completed');
    expect(row?.result).to.deep.equal({ payload: { n: 1 }, attempt: 1 });
    expect((await runtime.reconcile(['default'])).rebuilt).to.equal(0);
  });

  it('queues again a recorded job the backend never received, with the same id and payload', async () => {
    const { rows } = await runtime.pool.query<{ id: string }>(
      `INSERT INTO jobs (type, queue, status, priority, payload, max_attempts, created_at)
       VALUES ('echo', 'default', 'waiting', 'high', '{"lost": true}', 2, now() - interval '5 minutes') RETURNING id`);
    const id = rows[0].id;
    const report = await runtime.reconcile(['default']);
    expect(report.requeued).to.equal(1);
    const backendJob = await runtime.queue('default').getJob(id);
    expect(backendJob?.opts.priority).to.equal(2);
    await runtime.startWorkers({ queues: ['default'], reconcile: false });
    const row = await waitFor(async () => {
      const r = await jobRow(runtime.pool, id);
      return r?.status === 'completed' ? r : undefined;
    }, 'the requeued job to run');
    expect(row.result).to.deep.equal({ payload: { lost: true }, attempt: 1 });
    expect((await runtime.reconcile(['default'])).requeued).to.equal(0);
  });

  it('leaves a fresh waiting row alone (its enqueue may still be in flight)', async () => {
    await runtime.pool.query(`INSERT INTO jobs (type, queue, status, payload) VALUES ('echo', 'default', 'waiting', '{}')`);
    expect((await runtime.reconcile(['default'])).requeued).to.equal(0);
  });
});
