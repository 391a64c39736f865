import { expect } from 'chai';
import { createTestDatabase, uniquePrefix } from '@nself-jobs/test-helpers';
import { JobsError } from '../../src/errors.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/logger.js';
import { MAX_BULK } from '../../src/producer/job-producer.js';
import type { EnqueueRequest } from '../../src/producer/enqueue-request.js';
import { Runtime } from '../../src/runtime.js';
import { startTestRuntime, TEST_KIT_DIR } from '../support/test-runtime.js';

/** Runs `fn`, expects it to throw a JobsError, returns it. */
async function refused(fn: () => Promise<unknown>): Promise<JobsError> {
  try {
    await fn();
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(JobsError);
    return error as JobsError;
  }
  throw new Error('expected a JobsError, but the call succeeded');
}

/** Rejects after `ms`: a hang is a failure with a message, not a mocha timeout. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

describe('producer: enqueue and enqueueMany (real Redis and PostgreSQL, no workers)', () => {
  let runtime: Runtime;

  beforeEach(async () => {
    runtime = await startTestRuntime();
  });
  afterEach(() => runtime?.close(1000));

  const jobCount = async () => Number((await runtime.pool.query('SELECT count(*) AS n FROM jobs')).rows[0].n);
  const backendTotal = async (queue = 'default') => {
    const counts = await runtime.queue(queue).getJobCounts();
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  };
  async function expectNothingWritten(): Promise<void> {
    expect(await jobCount(), 'rows in jobs').to.equal(0);
    for (const queue of ['default', 'high-priority', 'low-priority']) {
      expect(await backendTotal(queue), `jobs in the ${queue} backend queue`).to.equal(0);
    }
  }

  describe('refusals: a clear coded error and nothing written', () => {
    it('unknown type -> UNKNOWN_TYPE listing the installed types', async () => {
      const error = await refused(() => runtime.producer.enqueue({ type: 'nope', payload: {} }));
      expect(error.code).to.equal('UNKNOWN_TYPE');
      expect(error.message).to.contain('"nope"');
      for (const type of ['echo', 'flaky', 'sleep', 'refuse', 'http-request']) expect(error.message).to.contain(type);
      expect((error.details as { installedTypes: string[] }).installedTypes).to.include.members(['echo', 'http-request']);
      await expectNothingWritten();
    });

    it('missing or empty type -> OPTIONS_INVALID at /type', async () => {
      for (const type of [undefined, '']) {
        const error = await refused(() => runtime.producer.enqueue({ type } as unknown as EnqueueRequest));
        expect(error.code).to.equal('OPTIONS_INVALID');
        expect(error.details).to.deep.equal([{ path: '/type', message: 'is required' }]);
      }
      await expectNothingWritten();
    });

    it('bad payload -> PAYLOAD_INVALID with every problem as path + message', async () => {
      // sleep: { ms: integer (required), ignoreSignal: boolean }, no other properties.
      const error = await refused(() => runtime.producer.enqueue({ type: 'sleep', payload: { ms: 'soon', ignoreSignal: 'yes', extra: 1 } }));
      expect(error.code).to.equal('PAYLOAD_INVALID');
      const details = error.details as Array<{ path: string; message: string }>;
      expect(details).to.deep.include({ path: '/payload/ms', message: 'must be integer' });
      expect(details).to.deep.include({ path: '/payload/ignoreSignal', message: 'must be boolean' });
      expect(details.map((d) => d.path)).to.include('/payload/extra');
      expect(details).to.have.length(3);
      for (const d of details) expect(d.message).to.be.a('string').and.not.empty;
      expect(error.message).to.contain('/ms must be integer').and.contain('/ignoreSignal must be boolean').and.contain('/extra');
      await expectNothingWritten();
    });

    it('a missing required property is reported at its own path', async () => {
      const error = await refused(() => runtime.producer.enqueue({ type: 'http-request', payload: { method: 'POST' } }));
      expect(error.code).to.equal('PAYLOAD_INVALID');
      expect((error.details as Array<{ path: string }>).map((d) => d.path)).to.deep.equal(['/payload/url']);
      await expectNothingWritten();
    });

    it('a payload that is not an object -> PAYLOAD_INVALID at /payload', async () => {
      const error = await refused(() => runtime.producer.enqueue({ type: 'echo', payload: [1, 2] }));
      expect(error.code).to.equal('PAYLOAD_INVALID');
      expect(error.details).to.deep.equal([{ path: '/payload', message: 'must be object' }]);
      await expectNothingWritten();
    });

    for (const option of ['repeat', 'jobId', 'removeOnComplete', 'lifo', 'attempts']) {
      it(`unknown option "${option}" -> OPTIONS_INVALID naming it`, async () => {
        const options = { [option]: option === 'jobId' ? 'mine' : true } as unknown as EnqueueRequest['options'];
        const error = await refused(() => runtime.producer.enqueue({ type: 'echo', payload: {}, options }));
        expect(error.code).to.equal('OPTIONS_INVALID');
        expect(error.message).to.contain(`"${option}"`);
        expect((error.details as Array<{ path: string }>)[0].path).to.equal(`/options/${option}`);
        await expectNothingWritten();
      });
    }

    const badValues: Array<[string, unknown, RegExp]> = [
      ['priority', 'urgent', /critical, high, normal, low/],
      ['priority', 1, /critical, high, normal, low/],
      ['delay', -1, /integer from 0/],
      ['delay', 1.5, /integer from 0/],
      ['delay', '100', /integer from 0/],
      ['maxRetries', 1.5, /integer from 0 to 100/],
      ['maxRetries', -1, /integer from 0 to 100/],
      ['maxRetries', 101, /integer from 0 to 100/],
      ['timeout', 0, /integer from 1/],
      ['idempotencyKey', '', /1 to 200 characters/],
      ['idempotencyKey', 'k'.repeat(201), /1 to 200 characters/],
    ];
    for (const [option, value, message] of badValues) {
      it(`options.${option} = ${JSON.stringify(value).slice(0, 20)} -> OPTIONS_INVALID at /options/${option}`, async () => {
        const options = { [option]: value } as unknown as EnqueueRequest['options'];
        const error = await refused(() => runtime.producer.enqueue({ type: 'echo', payload: {}, options }));
        expect(error.code).to.equal('OPTIONS_INVALID');
        const [problem] = error.details as Array<{ path: string; message: string }>;
        expect(problem.path).to.equal(`/options/${option}`);
        expect(problem.message).to.match(message);
        await expectNothingWritten();
      });
    }

    it('reports every bad option at once', async () => {
      const options = { priority: 'urgent', delay: -5, maxRetries: 1.5, repeat: { every: 1000 } } as unknown as EnqueueRequest['options'];
      const error = await refused(() => runtime.producer.enqueue({ type: 'echo', payload: {}, options }));
      expect(error.code).to.equal('OPTIONS_INVALID');
      expect((error.details as Array<{ path: string }>).map((d) => d.path).sort())
        .to.deep.equal(['/options/delay', '/options/maxRetries', '/options/priority', '/options/repeat']);
    });

    it('options that are not an object -> OPTIONS_INVALID at /options', async () => {
      const error = await refused(() => runtime.producer.enqueue({ type: 'echo', payload: {}, options: [] as unknown as EnqueueRequest['options'] }));
      expect(error.code).to.equal('OPTIONS_INVALID');
      expect(error.details).to.deep.equal([{ path: '/options', message: 'must be an object' }]);
    });

    it('unknown queue -> refused naming the known queues', async () => {
      const error = await refused(() => runtime.producer.enqueue({ type: 'echo', queue: 'nope', payload: {} }));
      expect(['OPTIONS_INVALID', 'QUEUE_UNKNOWN']).to.include(error.code);
      expect(error.message).to.contain('"nope"');
      for (const queue of ['default', 'high-priority', 'low-priority']) expect(error.message).to.contain(queue);
      expect((error.details as Array<{ path: string }>)[0].path).to.equal('/queue');
      await expectNothingWritten();
      expect(await backendTotal('nope')).to.equal(0);
    });

    it('a queue name that is not a name -> refused at /queue', async () => {
      const error = await refused(() => runtime.producer.enqueue({ type: 'echo', queue: 'a b:c', payload: {} }));
      expect((error.details as Array<{ path: string }>)[0].path).to.equal('/queue');
      await expectNothingWritten();
    });

    it('a payload containing "\\u0000" -> PAYLOAD_INVALID, nothing written', async () => {
      const error = await refused(() => runtime.producer.enqueue({ type: 'echo', payload: { text: 'a\u0000b' } }));
      expect(error.code).to.equal('PAYLOAD_INVALID');
      expect(error.details).to.deep.equal([{ path: '/payload', message: 'must not contain U+0000' }]);
      await expectNothingWritten();
    });

    it('a payload nested too deeply to store -> PAYLOAD_INVALID (not a database error), nothing written', async () => {
      let deep: unknown = 1;
      for (let i = 0; i < 20000; i += 1) deep = [deep];
      const error = await refused(() => runtime.producer.enqueue({ type: 'echo', payload: { deep } }));
      expect(error.code).to.equal('PAYLOAD_INVALID');
      expect(error.message).to.contain('nested too deeply');
      expect(await jobCount()).to.equal(0);
      expect(await backendTotal()).to.equal(0);
    });

    it('a type that is not a string says so', async () => {
      const error = await refused(() => runtime.producer.enqueue({ type: 5 as unknown as string, payload: {} }));
      expect(error.details).to.deep.equal([{ path: '/type', message: 'must be a string' }]);
    });

    it('a "\\u0000" in a key of a nested payload is refused too', async () => {
      const error = await refused(() => runtime.producer.enqueue({ type: 'echo', payload: { deep: [{ ['k\u0000']: 1 }] } }));
      expect(error.code).to.equal('PAYLOAD_INVALID');
      await expectNothingWritten();
    });
  });

  describe('accepted jobs', () => {
    it('records and queues one job with every default resolved', async () => {
      const job = await runtime.producer.enqueue({ type: 'echo', payload: { a: 1 } });
      expect(job).to.include({ type: 'echo', queue: 'default', status: 'waiting', existing: false });
      const { rows } = await runtime.pool.query('SELECT * FROM jobs WHERE id = $1', [job.id]);
      expect(rows[0]).to.include({ status: 'waiting', priority: 'normal', max_attempts: 3, backend_id: job.id });
      const backendJob = await runtime.queue('default').getJob(job.id);
      expect(backendJob?.name).to.equal('echo');
      expect(backendJob?.opts.attempts).to.equal(3);
      expect(await backendJob?.getState()).to.equal('prioritized');
    });

    it('honours queue, priority, delay, maxRetries and timeout', async () => {
      const job = await runtime.producer.enqueue({ type: 'echo', queue: 'low-priority', payload: {}, options: { priority: 'high', delay: 60000, maxRetries: 0, timeout: 1234 } });
      expect(job).to.include({ queue: 'low-priority', status: 'delayed' });
      const { rows } = await runtime.pool.query('SELECT * FROM jobs WHERE id = $1', [job.id]);
      expect(rows[0]).to.include({ queue: 'low-priority', status: 'delayed', priority: 'high', max_attempts: 1, timeout_ms: 1234 });
      const backendJob = await runtime.queue('low-priority').getJob(job.id);
      expect(backendJob?.opts).to.include({ attempts: 1, delay: 60000 });
      expect(await backendJob?.getState()).to.equal('delayed');
    });

    it('enqueueMany of 1000 valid jobs records and queues all of them', async () => {
      const queues = ['default', 'high-priority', 'low-priority'];
      const requests: EnqueueRequest[] = Array.from({ length: MAX_BULK }, (_, i) => ({ type: 'echo', queue: queues[i % 3], payload: { i } }));
      const jobs = await runtime.producer.enqueueMany(requests);
      expect(jobs).to.have.length(1000);
      expect(new Set(jobs.map((j) => j.id)).size).to.equal(1000);
      expect(jobs.every((j, i) => j.queue === queues[i % 3] && !j.existing)).to.equal(true);
      expect(await jobCount()).to.equal(1000);
      const totals = await Promise.all(queues.map((q) => backendTotal(q)));
      expect(totals).to.deep.equal([334, 333, 333]);
      // Each job's payload went to the right row.
      const { rows } = await runtime.pool.query(`SELECT id, (payload->>'i')::int AS i FROM jobs`);
      const byId = new Map(rows.map((r) => [r.id, r.i]));
      expect(jobs.every((j, i) => byId.get(j.id) === i)).to.equal(true);
    });

    it('enqueueMany of more than 1000 is refused, nothing written', async () => {
      const requests: EnqueueRequest[] = Array.from({ length: MAX_BULK + 1 }, () => ({ type: 'echo', payload: {} }));
      const error = await refused(() => runtime.producer.enqueueMany(requests));
      expect(error.code).to.equal('OPTIONS_INVALID');
      await expectNothingWritten();
    });

    it('enqueueMany with one bad job among many writes nothing and names its index', async () => {
      const requests: EnqueueRequest[] = Array.from({ length: 200 }, (_, i) => ({ type: 'echo', payload: { i } }));
      requests[137] = { type: 'sleep', payload: { ms: 'x' } };
      const error = await refused(() => runtime.producer.enqueueMany(requests));
      expect(error.code).to.equal('PAYLOAD_INVALID');
      expect(error.message).to.contain('1 of 200');
      const details = error.details as Array<{ index: number; code: string }>;
      expect(details).to.have.length(1);
      expect(details[0]).to.include({ index: 137, code: 'PAYLOAD_INVALID' });
      await expectNothingWritten();
    });

    it('enqueueMany with one "\\u0000" payload among many writes nothing', async () => {
      const requests: EnqueueRequest[] = Array.from({ length: 50 }, (_, i) => ({ type: 'echo', payload: { i } }));
      requests[25] = { type: 'echo', payload: { nul: '\u0000' } };
      const error = await refused(() => runtime.producer.enqueueMany(requests));
      expect(error.code).to.equal('PAYLOAD_INVALID');
      await expectNothingWritten();
    });
  });

  describe('idempotencyKey', () => {
    const backendJobs = () => backendTotal('default');

    it('the same key twice returns the first job, flagged existing; one row and one backend job', async () => {
      const first = await runtime.producer.enqueue({ type: 'echo', payload: { n: 1 }, options: { idempotencyKey: 'order-42' } });
      const second = await runtime.producer.enqueue({ type: 'echo', payload: { n: 2 }, options: { idempotencyKey: 'order-42' } });
      expect(first.existing).to.equal(false);
      expect(second).to.deep.equal({ ...first, existing: true });
      expect(await jobCount()).to.equal(1);
      expect(await backendJobs()).to.equal(1);
      const { rows } = await runtime.pool.query('SELECT payload FROM jobs');
      expect(rows[0].payload).to.deep.equal({ n: 1 });
    });

    it('5 concurrent enqueues with the same key: one job id, existing on the other four', async () => {
      const results = await Promise.all(Array.from({ length: 5 }, (_, n) => runtime.producer.enqueue({ type: 'echo', payload: { n }, options: { idempotencyKey: 'race' } })));
      expect(new Set(results.map((r) => r.id)).size).to.equal(1);
      expect(results.filter((r) => !r.existing)).to.have.length(1);
      expect(results.filter((r) => r.existing)).to.have.length(4);
      expect(await jobCount()).to.equal(1);
      expect(await backendJobs()).to.equal(1);
      expect((await runtime.queue('default').getJob(results[0].id))?.id).to.equal(results[0].id);
    });

    it('the same key twice inside one enqueueMany gives one job', async () => {
      const results = await runtime.producer.enqueueMany([
        { type: 'echo', payload: { n: 1 }, options: { idempotencyKey: 'batch' } },
        { type: 'echo', payload: { n: 2 }, options: { idempotencyKey: 'batch' } },
        { type: 'echo', payload: { n: 3 } },
      ]);
      expect(results[1]).to.deep.equal({ ...results[0], existing: true });
      expect(results[2].existing).to.equal(false);
      expect(await jobCount()).to.equal(2);
      expect(await backendJobs()).to.equal(2);
    });

    it('different keys give different jobs', async () => {
      const a = await runtime.producer.enqueue({ type: 'echo', payload: {}, options: { idempotencyKey: 'a' } });
      const b = await runtime.producer.enqueue({ type: 'echo', payload: {}, options: { idempotencyKey: 'b' } });
      expect(a.id).to.not.equal(b.id);
      expect(await jobCount()).to.equal(2);
    });
  });
});

describe('producer: when the queue backend is down', () => {
  it('fails with BACKEND_UNAVAILABLE within a bounded time and leaves no row in jobs', async function () {
    this.timeout(40000);
    const config = loadConfig({
      cwd: process.cwd(),
      env: {
        JOBS_REDIS_URL: 'redis://127.0.0.1:1',
        DATABASE_URL: await createTestDatabase('down'),
        JOBS_QUEUE_PREFIX: uniquePrefix(),
        JOBS_PROCESSOR_PATHS: TEST_KIT_DIR,
        LOG_LEVEL: 'silent',
      },
    });
    const runtime = await Runtime.start(config, { log: silentLogger() });
    // Without a listener BullMQ prints every reconnect error to stderr (console.error): keep the run readable.
    runtime.queue('default').on('error', () => {});
    try {
      const started = Date.now();
      const enqueue = refused(() => runtime.producer.enqueue({ type: 'echo', payload: {} }));
      const error = await within(15000, 'enqueue against a closed Redis port', enqueue).catch(async (hang: Error) => {
        const { rows } = await runtime.pool.query(`SELECT status, count(*)::int AS n FROM jobs GROUP BY status`);
        throw new Error(`${hang.message}; meanwhile jobs holds ${JSON.stringify(rows)} for a job that is in no queue`);
      });
      expect(error.code).to.equal('BACKEND_UNAVAILABLE');
      expect(error.message).to.match(/could not queue the job/);
      expect(Date.now() - started).to.be.below(15000);
      const { rows } = await runtime.pool.query('SELECT count(*)::int AS n FROM jobs');
      expect(rows[0].n, 'rows left in jobs').to.equal(0);
    } finally {
      await within(10000, 'runtime.close() with Redis down', runtime.close(500)).catch((error) => {
        // Reported, but do not leave the pool open for the rest of the run.
        void runtime.pool.end().catch(() => {});
        throw error;
      });
    }
  });
});
