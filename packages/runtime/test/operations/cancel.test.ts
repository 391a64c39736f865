import { expect } from 'chai';
import { startHttpServer, waitFor, type TestHttpServer } from '@nself-jobs/test-helpers';
import type { Runtime } from '../../src/runtime.js';
import type { JobsError } from '../../src/errors.js';
import { failureRows, jobRow, startTestRuntime } from '../support/test-runtime.js';

async function refusal(work: Promise<unknown>): Promise<JobsError> {
  try {
    await work;
  } catch (error) {
    return error as JobsError;
  }
  throw new Error('expected a refusal');
}

describe('operations: cancel and promote (real Redis and PostgreSQL)', () => {
  let runtime: Runtime;
  /** A second runtime, as another process would be: it runs the workers, `runtime` only asks. */
  let workers: Runtime;
  let server: TestHttpServer | undefined;

  before(async () => {
    runtime = await startTestRuntime();
    workers = await startTestRuntime({ JOBS_QUEUE_PREFIX: runtime.config.queuePrefix, DATABASE_URL: runtime.config.database.connectionString! });
    await workers.startWorkers({ queues: ['default'], concurrency: 5 });
  });
  after(async () => {
    await server?.close();
    await workers?.close(1000);
    await runtime?.close(1000);
  });

  const status = async (id: string) => (await jobRow(runtime.pool, id))?.status;
  const settled = (id: string, statuses = ['completed', 'failed', 'cancelled']) => waitFor(async () => {
    const row = await jobRow(runtime.pool, id);
    return row && statuses.includes(row.status) ? row : undefined;
  }, `job ${id} to settle in ${statuses.join('/')}`);

  it('cancels a delayed job: removed from the backend, recorded cancelled, never run', async () => {
    const job = await runtime.producer.enqueue({ type: 'echo', payload: {}, options: { delay: 60000 } });
    const outcome = await runtime.operations.cancel(job.id);
    expect(outcome).to.deep.equal({ id: job.id, type: 'echo', queue: 'default', status: 'cancelled', how: 'removed' });
    expect(await status(job.id)).to.equal('cancelled');
    expect(await runtime.queue('default').getJob(job.id)).to.equal(undefined);
    const again = await refusal(runtime.operations.cancel(job.id));
    expect(again.code).to.equal('JOB_CONFLICT');
    expect(again.message).to.match(/already cancelled/);
  });

  it('cancels a waiting job of a paused queue', async () => {
    await runtime.operations.pause('low-priority');
    try {
      const job = await runtime.producer.enqueue({ type: 'echo', queue: 'low-priority', payload: {} });
      expect((await runtime.operations.cancel(job.id)).status).to.equal('cancelled');
      expect(await status(job.id)).to.equal('cancelled');
    } finally {
      await runtime.operations.resume('low-priority');
    }
  });

  it('stops a running job in another process: its signal fires, it is recorded cancelled and not retried', async () => {
    let closedAt = 0;
    server = await startHttpServer((_req, res) => {
      res.on('close', () => { closedAt = Date.now(); }); // never answers: only an abort ends this request
    });
    const job = await runtime.producer.enqueue({ type: 'http-request', payload: { url: `${server.url}/slow`, timeout: 60000 }, options: { maxRetries: 3 } });
    await waitFor(() => server!.requests.length === 1, 'the request to reach the server');
    expect(await runtime.queue('default').getJobState(job.id)).to.equal('active');

    const requested = Date.now();
    const outcome = await runtime.operations.cancel(job.id);
    expect(outcome).to.include({ id: job.id, status: 'cancelled', how: 'stopped' });
    await waitFor(() => closedAt > 0, 'the aborted request to close');
    expect(closedAt - requested).to.be.below(3000);

    const row = await settled(job.id);
    expect(row.status).to.equal('cancelled');
    expect(row.last_error).to.equal('cancelled by request');
    expect(await failureRows(runtime.pool, job.id)).to.have.length(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.requests, 'no retry').to.have.length(1);
    await waitFor(async () => (await runtime.queue('default').getJob(job.id)) === undefined, 'the cancelled job to leave the backend');
    expect(await status(job.id)).to.equal('cancelled');
  });

  it('stops a running job whose processor ignores its signal', async () => {
    const job = await runtime.producer.enqueue({ type: 'sleep', payload: { ms: 20000, ignoreSignal: true } });
    await waitFor(async () => (await runtime.queue('default').getJobState(job.id)) === 'active', 'the job to run');
    expect((await runtime.operations.cancel(job.id)).status).to.equal('cancelled');
    expect((await settled(job.id)).status).to.equal('cancelled');
  });

  it('answers `active` when nobody stops the job within the wait, and the request stands', async () => {
    // A job held by a worker that does not listen for cancel requests: a bare BullMQ worker in this process.
    const bare = runtime.backend.createWorker('high-priority', () => new Promise((r) => setTimeout(r, 1500)));
    try {
      const job = await runtime.producer.enqueue({ type: 'echo', queue: 'high-priority', payload: {} });
      await waitFor(async () => (await runtime.queue('high-priority').getJobState(job.id)) === 'active', 'the job to run');
      const outcome = await runtime.operations.cancel(job.id, { waitMs: 300 });
      expect(outcome).to.include({ status: 'active', how: 'requested' });
    } finally {
      await bare.close();
    }
  });

  it('refuses to cancel a finished job (409) and an unknown one (404)', async () => {
    const job = await runtime.producer.enqueue({ type: 'echo', payload: {} });
    await settled(job.id, ['completed']);
    const finished = await refusal(runtime.operations.cancel(job.id));
    expect(finished.code).to.equal('JOB_CONFLICT');
    expect(finished.message).to.match(/already completed/);
    expect((await refusal(runtime.operations.cancel('00000000-0000-4000-8000-000000000000'))).code).to.equal('JOB_NOT_FOUND');
  });

  it('promotes a delayed job: it runs now', async () => {
    const job = await runtime.producer.enqueue({ type: 'echo', payload: { now: true }, options: { delay: 60000 } });
    expect(await status(job.id)).to.equal('delayed');
    const outcome = await runtime.operations.promote(job.id);
    expect(outcome).to.deep.equal({ id: job.id, type: 'echo', queue: 'default', status: 'waiting' });
    const row = await settled(job.id, ['completed']);
    expect(row.result).to.deep.equal({ payload: { now: true }, attempt: 1 });
  });

  it('refuses to promote a job that is not delayed (409)', async () => {
    const job = await runtime.producer.enqueue({ type: 'echo', payload: {} });
    await settled(job.id, ['completed']);
    const refused = await refusal(runtime.operations.promote(job.id));
    expect(refused.code).to.equal('JOB_CONFLICT');
    expect(refused.message).to.match(/only delayed jobs can be promoted/);
  });
});

describe('operations: pause and resume (real Redis and PostgreSQL)', () => {
  let runtime: Runtime;

  before(async () => {
    runtime = await startTestRuntime();
    await runtime.startWorkers({ queues: ['default'], concurrency: 2 });
  });
  after(() => runtime?.close(1000));

  it('holds new jobs while paused and runs them after resume', async () => {
    expect(await runtime.operations.pause('default')).to.deep.equal({ queue: 'default', paused: true });
    expect(await runtime.operations.pause('default'), 'idempotent').to.deep.equal({ queue: 'default', paused: true });
    expect((await runtime.operations.queueCounts('default')).default.paused).to.equal(true);
    const job = await runtime.producer.enqueue({ type: 'echo', payload: {} });
    await new Promise((r) => setTimeout(r, 500));
    expect((await jobRow(runtime.pool, job.id))?.status).to.equal('waiting');
    expect((await runtime.operations.queueCounts('default')).default.waiting).to.equal(1);

    expect(await runtime.operations.resume('default')).to.deep.equal({ queue: 'default', paused: false });
    await waitFor(async () => (await jobRow(runtime.pool, job.id))?.status === 'completed', 'the job to run after resume');
  });

  it('refuses an unknown queue with QUEUE_NOT_FOUND naming the known ones', async () => {
    try {
      await runtime.operations.pause('nope');
      expect.fail('should refuse');
    } catch (error) {
      expect((error as JobsError).code).to.equal('QUEUE_NOT_FOUND');
      expect((error as JobsError).message).to.match(/unknown queue "nope"; known queues: .*default/);
    }
  });
});
