import { expect } from 'chai';
import { waitFor } from '@nself-jobs/test-helpers';
import type { Runtime } from '../../src/runtime.js';
import { failureRows, jobRow, startTestRuntime } from '../support/test-runtime.js';

describe('worker lifecycle, recorded in PostgreSQL (real Redis)', () => {
  let runtime: Runtime;

  before(async () => {
    runtime = await startTestRuntime();
    await runtime.startWorkers({ queues: ['default', 'high-priority', 'low-priority'], concurrency: 5 });
  });
  after(() => runtime?.close(1000));

  const finished = (id: string) => waitFor(async () => {
    const row = await jobRow(runtime.pool, id);
    return row && ['completed', 'failed'].includes(row.status) ? row : undefined;
  }, `job ${id} to finish`);

  it('records a job as waiting at enqueue, then completed with its result and duration', async () => {
    const job = await runtime.producer.enqueue({ type: 'echo', payload: { hello: 'world' } });
    expect(job).to.include({ type: 'echo', queue: 'default', status: 'waiting', existing: false });
    const row = await finished(job.id);
    expect(row.status).to.equal('completed');
    expect(row.result).to.deep.equal({ payload: { hello: 'world' }, attempt: 1 });
    expect(row.duration_ms).to.be.a('number');
    expect(row.started_at).to.be.instanceOf(Date);
    expect(row.completed_at).to.be.instanceOf(Date);
    expect(row.attempts_made).to.equal(1);
  });

  it('retries with backoff and records every failed attempt, then completes', async () => {
    const job = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 2 } });
    const row = await finished(job.id);
    expect(row.status).to.equal('completed');
    expect(row.result).to.deep.equal({ succeededOnAttempt: 3 });
    const failures = await failureRows(runtime.pool, job.id);
    expect(failures.map((f) => f.attempt_number)).to.deep.equal([1, 2]);
    expect(failures[0].error_message).to.equal('flaky failure on attempt 1');
    expect(failures[0].stack).to.contain('flaky.js');
  });

  it('fails for good after the last attempt', async () => {
    const job = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 5 }, options: { maxRetries: 1 } });
    const row = await finished(job.id);
    expect(row.status).to.equal('failed');
    expect(row.max_attempts).to.equal(2);
    expect(row.last_error).to.equal('flaky failure on attempt 2');
    expect((await failureRows(runtime.pool, job.id)).length).to.equal(2);
  });

  it('maxRetries 0 means exactly one attempt', async () => {
    const job = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 1 }, options: { maxRetries: 0 } });
    const row = await finished(job.id);
    expect(row.status).to.equal('failed');
    expect(row.max_attempts).to.equal(1);
    expect((await failureRows(runtime.pool, job.id)).length).to.equal(1);
  });

  it('never retries a PermanentJobError', async () => {
    const job = await runtime.producer.enqueue({ type: 'refuse', payload: {} });
    const row = await finished(job.id);
    expect(row.status).to.equal('failed');
    const failures = await failureRows(runtime.pool, job.id);
    expect(failures).to.have.length(1);
    expect(failures[0].error_code).to.equal('JOB_PERMANENT_FAILURE');
  });

  it('times out: the signal fires and the attempt fails with a timeout error', async () => {
    const job = await runtime.producer.enqueue({ type: 'sleep', payload: { ms: 5000 }, options: { timeout: 200, maxRetries: 0 } });
    const row = await finished(job.id);
    expect(row.status).to.equal('failed');
    expect(row.last_error).to.equal('job timed out after 200 ms');
    const [failure] = await failureRows(runtime.pool, job.id);
    expect(failure.error_code).to.equal('JOB_TIMEOUT');
  });

  it('times out even when the processor ignores its signal', async () => {
    const started = Date.now();
    const job = await runtime.producer.enqueue({ type: 'sleep', payload: { ms: 3000, ignoreSignal: true }, options: { timeout: 150, maxRetries: 0 } });
    const row = await finished(job.id);
    expect(row.last_error).to.equal('job timed out after 150 ms');
    expect(Date.now() - started).to.be.lessThan(2500);
  });

  it('honours a processor\'s "retry after N ms"', async () => {
    const job = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 1, retryAfterMs: 400 } });
    const row = await finished(job.id);
    expect(row.status).to.equal('completed');
    const { rows } = await runtime.pool.query(`SELECT extract(epoch from (j.completed_at - f.failed_at)) * 1000 AS gap FROM jobs j JOIN job_failures f ON f.job_id = j.id WHERE j.id = $1`, [job.id]);
    expect(Number(rows[0].gap)).to.be.greaterThan(350);
  });

  it('records a job added straight to BullMQ by other code', async () => {
    const added = await runtime.queue('default').add('echo', { direct: true });
    const row = await finished(String(added.id));
    expect(row).to.include({ type: 'echo', queue: 'default', status: 'completed', priority: 'normal' });
    expect(row.payload).to.deep.equal({ direct: true });
    expect(row.result).to.deep.equal({ payload: { direct: true }, attempt: 1 });
  });

  it('fails a job whose payload does not match the schema when it runs, without retry', async () => {
    const added = await runtime.queue('default').add('sleep', { ms: 'soon' }, { attempts: 3 });
    const row = await finished(String(added.id));
    expect(row.status).to.equal('failed');
    expect(row.last_error).to.match(/payload does not match the "sleep" schema: \/ms must be integer/);
    expect((await failureRows(runtime.pool, String(added.id))).length).to.equal(1);
  });

  it('records a delayed job as delayed, then runs it', async () => {
    const job = await runtime.producer.enqueue({ type: 'echo', payload: {}, options: { delay: 300 } });
    expect(job.status).to.equal('delayed');
    expect((await jobRow(runtime.pool, job.id))?.status).to.equal('delayed');
    const row = await finished(job.id);
    expect(row.status).to.equal('completed');
  });
});
