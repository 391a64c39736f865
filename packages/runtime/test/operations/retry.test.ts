import { expect } from 'chai';
import { waitFor } from '@nself-jobs/test-helpers';
import type { Runtime } from '../../src/runtime.js';
import { JobsError } from '../../src/errors.js';
import { failureRows, jobRow, startTestRuntime } from '../support/test-runtime.js';

/** Retry by request: the job really runs again in the backend, and the record follows it. */
describe('operations: retry (real Redis and PostgreSQL)', () => {
  let runtime: Runtime;

  before(async () => {
    runtime = await startTestRuntime();
    await runtime.startWorkers({ queues: ['default'], concurrency: 5 });
  });
  after(() => runtime?.close(1000));

  const settled = (id: string, statuses = ['completed', 'failed', 'cancelled']) => waitFor(async () => {
    const row = await jobRow(runtime.pool, id);
    return row && statuses.includes(row.status) ? row : undefined;
  }, `job ${id} to settle in ${statuses.join('/')}`);

  async function refusal(work: Promise<unknown>): Promise<JobsError> {
    try {
      await work;
    } catch (error) {
      return error as JobsError;
    }
    throw new Error('expected a refusal');
  }

  it('keeps a job that used up its attempts as a failed dead letter with every attempt\'s error, listed for retry', async () => {
    const job = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 9 }, options: { maxRetries: 2 } });
    const row = await settled(job.id);
    expect(row.status).to.equal('failed');
    const failures = await failureRows(runtime.pool, job.id);
    expect(failures.map((f) => f.error_message)).to.deep.equal([1, 2, 3].map((n) => `flaky failure on attempt ${n}`));
    const candidates = await runtime.operations.retryCandidates({ limit: 10 });
    expect(candidates.map((c) => c.id)).to.include(job.id);
    const candidate = candidates.find((c) => c.id === job.id)!;
    expect(candidate).to.include({ type: 'flaky', queue: 'default', status: 'failed', attempts_made: 3, max_attempts: 3, failures: 3 });
  });

  it('runs a failed job again in the backend; the record shows the new attempt, then completed', async () => {
    const job = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 1 }, options: { maxRetries: 0 } });
    expect((await settled(job.id)).status).to.equal('failed');

    const outcome = await runtime.operations.retry(job.id);
    expect(outcome).to.deep.equal({ id: job.id, type: 'flaky', queue: 'default', status: 'waiting', outcome: 'retried' });
    const row = await settled(job.id, ['completed']);
    expect(row.result).to.deep.equal({ succeededOnAttempt: 2 });
    expect(row.attempts_made).to.equal(2);
    expect((await failureRows(runtime.pool, job.id)).map((f) => f.attempt_number)).to.deep.equal([1]);
    expect(await runtime.queue('default').getJobState(job.id)).to.equal('completed');
  });

  it('re-creates a failed job the backend no longer holds, with the same id and payload and fresh attempts', async () => {
    const job = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 1 }, options: { maxRetries: 0 } });
    expect((await settled(job.id)).status).to.equal('failed');
    await runtime.queue('default').remove(job.id);
    expect(await runtime.queue('default').getJob(job.id)).to.equal(undefined);

    const outcome = await runtime.operations.retry(job.id);
    expect(outcome.outcome).to.equal('recreated');
    const row = await settled(job.id, ['completed', 'failed']);
    // Fresh attempts: attempt 1 again, which fails (failTimes 1) and, with one attempt only, fails for good.
    expect(row.status).to.equal('failed');
    expect(row.attempts_made).to.equal(1);
    const backendJob = await runtime.queue('default').getJob(job.id);
    expect(backendJob?.data.payload).to.deep.equal({ failTimes: 1 });
    expect(backendJob?.opts.attempts).to.equal(1);
  });

  it('re-creates a job with attempts left and it completes', async () => {
    const job = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 1 }, options: { maxRetries: 0 } });
    await settled(job.id);
    await runtime.queue('default').remove(job.id);
    // A new attempt budget comes from the record: max_attempts 1, so give the processor nothing to fail on.
    await runtime.pool.query(`UPDATE jobs SET payload = '{"failTimes":0}' WHERE id = $1`, [job.id]);
    await runtime.operations.retry(job.id);
    const row = await settled(job.id, ['completed']);
    expect(row.result).to.deep.equal({ succeededOnAttempt: 1 });
  });

  it('refuses a completed job (409), a queued one (409), an unknown id (404) and a malformed one (400)', async () => {
    const done = await runtime.producer.enqueue({ type: 'echo', payload: {} });
    await settled(done.id, ['completed']);
    const completed = await refusal(runtime.operations.retry(done.id));
    expect(completed.code).to.equal('JOB_CONFLICT');
    expect(completed.message).to.match(/completed successfully/);

    const later = await runtime.producer.enqueue({ type: 'echo', payload: {}, options: { delay: 60000 } });
    expect((await refusal(runtime.operations.retry(later.id))).message).to.match(/still delayed/);

    expect((await refusal(runtime.operations.retry('00000000-0000-4000-8000-000000000000'))).code).to.equal('JOB_NOT_FOUND');
    expect((await refusal(runtime.operations.retry('nope'))).code).to.equal('OPTIONS_INVALID');
  });

  it('lets only one of two concurrent retries of the same job through', async () => {
    const job = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 1 }, options: { maxRetries: 0 } });
    await settled(job.id);
    const results = await Promise.allSettled([runtime.operations.retry(job.id), runtime.operations.retry(job.id)]);
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.code).to.equal('JOB_CONFLICT');
    await settled(job.id, ['completed']);
  });
});
