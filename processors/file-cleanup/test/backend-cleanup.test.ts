import { expect } from 'chai';
import { createPostgresBackend, Queue, runMigrations, withBackend, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createTestDatabase, testRedisUrl, uniquePrefix, waitFor } from '@nself-jobs/test-helpers';
import { migrateRecord } from '../../../packages/runtime/src/db/index.js';
import { CLEAN_BATCH } from '../src/index.js';
import { runJob } from './job-context.js';
import { insertJob, remaining } from './record-fixture.js';

interface QueueLike {
  addBulk(jobs: { name: string; data: unknown }[]): Promise<unknown>;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  getJobs(types: string[]): Promise<Job[]>;
  close(): Promise<void>;
}
interface WorkerLike {
  close(): Promise<void>;
}
interface Backend {
  queue(name: string): QueueLike;
  worker(name: string, processor: (job: Job) => Promise<unknown>, concurrency?: number): WorkerLike;
}

/** Adds `ok` jobs that complete and `bad` jobs that fail, runs them with a real Worker, and waits until all are finished. */
async function finishJobs(backend: Backend, name: string, ok: number, bad: number, tag: string): Promise<void> {
  const queue = backend.queue(name);
  const jobs = [
    ...Array.from({ length: ok }, (_, i) => ({ name: 'test', data: { fail: false, tag, i } })),
    ...Array.from({ length: bad }, (_, i) => ({ name: 'test', data: { fail: true, tag, i } })),
  ];
  const before = await queue.getJobCounts('completed', 'failed');
  for (let i = 0; i < jobs.length; i += 500) await queue.addBulk(jobs.slice(i, i + 500));
  const worker = backend.worker(name, async (job) => {
    if ((job.data as { fail: boolean }).fail) throw new Error('boom');
    return 'ok';
  }, 50);
  try {
    await waitFor(async () => {
      const counts = await queue.getJobCounts('completed', 'failed');
      return counts.completed === before.completed + ok && counts.failed === before.failed + bad;
    }, `${ok} completed and ${bad} failed jobs in ${name}`, 20_000);
  } finally {
    await worker.close();
  }
}

async function counts(backend: Backend, name: string): Promise<{ completed: number; failed: number }> {
  const c = await backend.queue(name).getJobCounts('completed', 'failed');
  return { completed: c.completed ?? 0, failed: c.failed ?? 0 };
}

/** The same checks on both backends the runtime supports. */
function backendSuite(label: string, make: () => Promise<{ backend: Backend; env: Record<string, string>; pool: pg.Pool; close(): Promise<void> }>) {
  describe(`file-cleanup: the backend (BullMQ on ${label})`, function () {
    this.timeout(60_000);
    let ctx: Awaited<ReturnType<typeof make>>;

    before(async () => {
      ctx = await make();
    });
    after(async () => {
      await ctx?.close();
    });

    it('removes completed jobs older than the age from every queue, keeps recent ones and failed ones, and counts them', async () => {
      const { backend, env } = ctx;
      await finishJobs(backend, 'default', 4, 2, 'old');
      await finishJobs(backend, 'high-priority', 3, 0, 'old');

      // Nothing finished an hour ago: nothing goes.
      const none = await runJob({ target: 'completed_jobs', older_than_hours: 1 }, { env });
      expect(none.backend).to.deep.equal({ default: 0, 'high-priority': 0, 'low-priority': 0 });

      await new Promise((resolve) => setTimeout(resolve, 3000));
      await finishJobs(backend, 'default', 2, 0, 'recent');

      // Two seconds: the jobs finished before the pause go, the recent ones stay.
      const result = await runJob({ target: 'completed_jobs', older_than_hours: 2 / 3600 }, { env });
      expect(result.olderThanMs).to.equal(2000);
      expect(result.backend).to.deep.equal({ default: 4, 'high-priority': 3, 'low-priority': 0 });
      expect(await counts(backend, 'default')).to.deep.equal({ completed: 2, failed: 2 });
      expect(await counts(backend, 'high-priority')).to.deep.equal({ completed: 0, failed: 0 });
      const left = await backend.queue('default').getJobs(['completed']);
      expect(left.map((j) => (j.data as { tag: string }).tag)).to.deep.equal(['recent', 'recent']);
    });

    it('removes failed jobs with target failed_jobs, and leaves completed ones', async () => {
      const { backend, env } = ctx;
      await finishJobs(backend, 'low-priority', 1, 3, 'f');
      const before = await counts(backend, 'default');
      const result = await runJob({ target: 'failed_jobs', older_than_hours: 0 }, { env });
      expect(result.backend).to.deep.equal({ default: before.failed, 'high-priority': 0, 'low-priority': 3 });
      expect(await counts(backend, 'low-priority')).to.deep.equal({ completed: 1, failed: 0 });
      expect(await counts(backend, 'default')).to.deep.equal({ completed: before.completed, failed: 0 });
    });

    it('with a queue, cleans that queue only; without one, every queue the record knows as well', async () => {
      const { backend, env, pool } = ctx;
      await finishJobs(backend, 'reports', 2, 0, 'r');
      await finishJobs(backend, 'low-priority', 1, 0, 'l');
      const lowBefore = (await counts(backend, 'low-priority')).completed;

      const only = await runJob({ target: 'completed_jobs', older_than_hours: 0, queue: 'reports' }, { env });
      expect(only.backend).to.deep.equal({ reports: 2 });
      expect((await counts(backend, 'low-priority')).completed).to.equal(lowBefore);

      // A queue the record has a job in is found without being named.
      await finishJobs(backend, 'reports', 1, 0, 'r2');
      const recordRow = await insertJob(pool, '"public"', { status: 'completed', finished: '1 second', queue: 'reports' });
      const all = await runJob({ target: 'completed_jobs', older_than_hours: 0 }, { env });
      expect(all.backend).to.include({ reports: 1, 'low-priority': lowBefore });
      expect(all.record.deleted).to.equal(1);
      expect(await remaining(pool, '"public"', [recordRow])).to.deep.equal([]);
      expect(await counts(backend, 'reports')).to.deep.equal({ completed: 0, failed: 0 });
    });

    it(`cleans in batches of ${CLEAN_BATCH} until nothing old is left`, async () => {
      const { backend, env } = ctx;
      const many = 2 * CLEAN_BATCH + 150;
      await finishJobs(backend, 'bulk', many, 0, 'bulk');
      const result = await runJob({ target: 'completed_jobs', older_than_hours: 0, queue: 'bulk' }, { env });
      expect(result.backend).to.deep.equal({ bulk: many });
      expect(await counts(backend, 'bulk')).to.deep.equal({ completed: 0, failed: 0 });
    });
  });
}

backendSuite('Redis', async () => {
  const url = await createTestDatabase('file_cleanup_redis');
  const pool = new pg.Pool({ connectionString: url });
  await migrateRecord(pool);
  const prefix = uniquePrefix('fc');
  const connection = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const queues = new Map<string, Queue>();
  const backend: Backend = {
    queue(name) {
      if (!queues.has(name)) queues.set(name, new Queue(name, { prefix, connection }));
      return queues.get(name)! as unknown as QueueLike;
    },
    worker: (name, processor, concurrency = 1) => new Worker(name, processor, { prefix, connection, concurrency }),
  };
  return {
    backend,
    pool,
    env: { DATABASE_URL: url, JOBS_REDIS_URL: testRedisUrl(), JOBS_QUEUE_PREFIX: prefix },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      connection.disconnect();
      await pool.end();
    },
  };
});

backendSuite('PostgreSQL', async () => {
  const url = await createTestDatabase('file_cleanup_pgq');
  const pool = new pg.Pool({ connectionString: url });
  await migrateRecord(pool);
  // What the runtime does before it creates queues on BullMQ's PostgreSQL backend.
  const client = await pool.connect();
  try {
    await runMigrations(client, 'bullmq');
  } finally {
    client.release();
  }
  const { Queue: PgQueue, Worker: PgWorker } = withBackend(createPostgresBackend);
  const connection = { connectionString: url, schema: 'bullmq', max: 4 };
  const queues = new Map<string, QueueLike>();
  const backend: Backend = {
    queue(name) {
      if (!queues.has(name)) queues.set(name, new PgQueue(name, { connection }) as unknown as QueueLike);
      return queues.get(name)!;
    },
    worker: (name, processor, concurrency = 1) => new PgWorker(name, processor, { connection, concurrency }),
  };
  return {
    backend,
    pool,
    // No JOBS_REDIS_URL: the queues are on PostgreSQL, in the record's database.
    env: { DATABASE_URL: url },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      // BullMQ's queues and workers resolve close() a moment before their pools' server sessions end;
      // wait for them, or stopping the test server at the end of the run would hit live sessions.
      await waitFor(async () => (await pool.query(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      )).rows[0].n === 0, 'BullMQ sessions to end', 5000);
      await pool.end();
    },
  };
});
