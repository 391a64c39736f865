import { expect } from 'chai';
import pg from 'pg';
import { isPermanentJobError } from '@nself-jobs/sdk';
import { createTestDatabase, freePort, testRedisUrl, uniquePrefix } from '@nself-jobs/test-helpers';
import { migrateRecord } from '../../../packages/runtime/src/db/index.js';
import processor from '../src/index.js';
import { rejection, runJob } from './job-context.js';
import { insertJob, remaining } from './record-fixture.js';

// A schema name that only works when quoted (upper case), as JOBS_DB_SCHEMA allows.
const SCHEMA = 'JobsRecord';
const Q = pg.escapeIdentifier(SCHEMA);
const EMPTY_BACKEND = { default: 0, 'high-priority': 0, 'low-priority': 0 };

describe('file-cleanup: the record (real PostgreSQL)', () => {
  let pool: pg.Pool;
  let env: Record<string, string>;

  before(async () => {
    const url = await createTestDatabase('file_cleanup');
    pool = new pg.Pool({ connectionString: url });
    await migrateRecord(pool, SCHEMA);
    // The backend side is exercised in backend-cleanup.test.ts; here its queues are empty.
    env = { DATABASE_URL: url, JOBS_DB_SCHEMA: SCHEMA, JOBS_REDIS_URL: testRedisUrl(), JOBS_QUEUE_PREFIX: uniquePrefix('fc') };
  });
  beforeEach(async () => {
    await pool.query(`TRUNCATE ${Q}.jobs, ${Q}.job_schedules CASCADE`);
  });
  after(async () => {
    await pool.end();
  });

  it('declares the file-cleanup type', () => {
    expect(processor.type).to.equal('file-cleanup');
    expect(processor.setup).to.be.a('function');
    expect(processor.teardown).to.be.a('function');
  });

  it('completed_jobs, default age (24 h): deletes completed and cancelled jobs finished over 24 h ago through cleanup_old_jobs(24)', async () => {
    const old = [
      await insertJob(pool, Q, { status: 'completed', finished: '25 hours', result: true }),
      await insertJob(pool, Q, { status: 'cancelled', finished: '30 hours' }),
      await insertJob(pool, Q, { status: 'completed', finished: '3 days', queue: 'reports', result: true }),
    ];
    const kept = [
      await insertJob(pool, Q, { status: 'completed', finished: '23 hours', result: true }),
      await insertJob(pool, Q, { status: 'failed', finished: '10 days', failures: 2 }),
      await insertJob(pool, Q, { status: 'waiting' }),
      await insertJob(pool, Q, { status: 'active' }),
    ];

    const result = await runJob({ target: 'completed_jobs' }, { env });

    expect(result).to.deep.equal({
      target: 'completed_jobs',
      olderThanMs: 86_400_000,
      record: { deleted: 3, via: 'cleanup_old_jobs(24)' },
      // "reports" is cleaned on the backend too: the record knows that queue.
      backend: { ...EMPTY_BACKEND, reports: 0 },
    });
    expect(await remaining(pool, Q, [...old, ...kept])).to.deep.equal(kept);
    const results = await pool.query(`SELECT job_id FROM ${Q}.job_results`);
    expect(results.rows.map((r) => r.job_id)).to.deep.equal([kept[0]]);
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${Q}.job_failures`)).rows[0].n).to.equal(2);
  });

  it('failed_jobs, default age (7 days): deletes failed jobs (and their failures) through cleanup_old_failed_jobs(7)', async () => {
    const old = await insertJob(pool, Q, { status: 'failed', finished: '8 days', failures: 3 });
    const kept = [
      await insertJob(pool, Q, { status: 'failed', finished: '6 days', failures: 1 }),
      await insertJob(pool, Q, { status: 'completed', finished: '30 days' }),
      await insertJob(pool, Q, { status: 'cancelled', finished: '30 days' }),
    ];

    const result = await runJob({ target: 'failed_jobs' }, { env });

    expect(result.olderThanMs).to.equal(7 * 86_400_000);
    expect(result.record).to.deep.equal({ deleted: 1, via: 'cleanup_old_failed_jobs(7)' });
    expect(result.backend).to.deep.equal(EMPTY_BACKEND);
    expect(await remaining(pool, Q, [old, ...kept])).to.deep.equal(kept);
    const failures = await pool.query(`SELECT DISTINCT job_id FROM ${Q}.job_failures`);
    expect(failures.rows.map((r) => r.job_id)).to.deep.equal([kept[0]]);
  });

  it('takes its default ages from JOBS_CLEAN_COMPLETED_AFTER / JOBS_CLEAN_FAILED_AFTER (milliseconds)', async () => {
    const completed = [
      await insertJob(pool, Q, { status: 'completed', finished: '2 hours' }),
      await insertJob(pool, Q, { status: 'completed', finished: '1 hour' }),
    ];
    const failed = [
      await insertJob(pool, Q, { status: 'failed', finished: '3 days' }),
      await insertJob(pool, Q, { status: 'failed', finished: '1 day' }),
    ];
    const tuned = { ...env, JOBS_CLEAN_COMPLETED_AFTER: '5400000', JOBS_CLEAN_FAILED_AFTER: '172800000' };

    const c = await runJob({ target: 'completed_jobs' }, { env: tuned });
    // 1.5 h is not a whole number of hours: the equivalent DELETE runs instead of cleanup_old_jobs.
    expect(c).to.deep.include({ olderThanMs: 5_400_000, record: { deleted: 1, via: 'delete' } });
    const f = await runJob({ target: 'failed_jobs' }, { env: tuned });
    expect(f).to.deep.include({ olderThanMs: 172_800_000, record: { deleted: 1, via: 'cleanup_old_failed_jobs(2)' } });
    expect(await remaining(pool, Q, [...completed, ...failed])).to.deep.equal([completed[1], failed[1]]);
  });

  it('honours ages below the functions\' unit: older_than_hours 0.5, older_than_days 1.5', async () => {
    const completed = [
      await insertJob(pool, Q, { status: 'completed', finished: '40 minutes' }),
      await insertJob(pool, Q, { status: 'cancelled', finished: '35 minutes' }),
      await insertJob(pool, Q, { status: 'completed', finished: '20 minutes' }),
    ];
    const failed = [
      await insertJob(pool, Q, { status: 'failed', finished: '2 days' }),
      await insertJob(pool, Q, { status: 'failed', finished: '1 day' }),
    ];

    const c = await runJob({ target: 'completed_jobs', older_than_hours: 0.5 }, { env });
    expect(c).to.deep.include({ olderThanMs: 1_800_000, record: { deleted: 2, via: 'delete' } });
    const f = await runJob({ target: 'failed_jobs', older_than_days: 1.5 }, { env });
    expect(f).to.deep.include({ olderThanMs: 129_600_000, record: { deleted: 1, via: 'delete' } });
    expect(await remaining(pool, Q, [...completed, ...failed])).to.deep.equal([completed[2], failed[1]]);
  });

  it('uses the function for whole units given either way (older_than_days for completed, older_than_hours for failed)', async () => {
    await insertJob(pool, Q, { status: 'completed', finished: '3 days' });
    await insertJob(pool, Q, { status: 'failed', finished: '3 days' });
    expect((await runJob({ target: 'completed_jobs', older_than_days: 2 }, { env })).record).to.deep.equal({ deleted: 1, via: 'cleanup_old_jobs(48)' });
    expect((await runJob({ target: 'failed_jobs', older_than_hours: 48 }, { env })).record).to.deep.equal({ deleted: 1, via: 'cleanup_old_failed_jobs(2)' });
  });

  it('with a queue, deletes only that queue\'s jobs and cleans only that queue on the backend', async () => {
    const reports = await insertJob(pool, Q, { status: 'completed', finished: '2 days', queue: 'reports' });
    const others = [
      await insertJob(pool, Q, { status: 'completed', finished: '2 days', queue: 'default' }),
      await insertJob(pool, Q, { status: 'cancelled', finished: '2 days', queue: 'high-priority' }),
      await insertJob(pool, Q, { status: 'failed', finished: '20 days', queue: 'reports' }),
    ];

    const result = await runJob({ target: 'completed_jobs', older_than_hours: 24, queue: 'reports' }, { env });

    expect(result).to.deep.equal({
      target: 'completed_jobs', olderThanMs: 86_400_000, record: { deleted: 1, via: 'delete' }, backend: { reports: 0 },
    });
    expect(await remaining(pool, Q, [reports, ...others])).to.deep.equal(others);
  });

  it('is not blocked by a schedule whose last_job_id points at an old job: the pointer becomes NULL', async () => {
    const last = await insertJob(pool, Q, { status: 'completed', finished: '3 days', result: true });
    const lastFailed = await insertJob(pool, Q, { status: 'failed', finished: '9 days', failures: 1 });
    await pool.query(
      `INSERT INTO ${Q}.job_schedules (name, type, cron, last_job_id, run_count) VALUES
         ('nightly', 'test', '0 3 * * *', $1, 12), ('weekly', 'test', '0 4 * * 1', $2, 3)`,
      [last, lastFailed],
    );

    expect((await runJob({ target: 'completed_jobs' }, { env })).record.deleted).to.equal(1);
    expect((await runJob({ target: 'failed_jobs', older_than_days: 8, queue: 'default' }, { env })).record.deleted).to.equal(1);

    const { rows } = await pool.query(`SELECT name, last_job_id, run_count FROM ${Q}.job_schedules ORDER BY name`);
    expect(rows).to.deep.equal([
      { name: 'nightly', last_job_id: null, run_count: '12' },
      { name: 'weekly', last_job_id: null, run_count: '3' },
    ]);
  });

  it('returns zero counts when nothing is old enough, and deletes nothing', async () => {
    const kept = [await insertJob(pool, Q, { status: 'completed', finished: '1 minute' }), await insertJob(pool, Q, { status: 'failed', finished: '1 minute' })];
    expect((await runJob({ target: 'completed_jobs', older_than_hours: 1 }, { env })).record.deleted).to.equal(0);
    expect((await runJob({ target: 'failed_jobs', older_than_days: 1 }, { env })).record.deleted).to.equal(0);
    expect(await remaining(pool, Q, kept)).to.deep.equal(kept);
  });

  it('stops before deleting anything when the job is cancelled', async () => {
    const old = await insertJob(pool, Q, { status: 'completed', finished: '3 days' });
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    controller.abort(reason);
    expect(await rejection(runJob({ target: 'completed_jobs' }, { env, signal: controller.signal }))).to.equal(reason);
    expect(await remaining(pool, Q, [old])).to.deep.equal([old]);
  });

  describe('failures', () => {
    it('fails permanently, naming the schema and `jobs init`, when the record is not in JOBS_DB_SCHEMA', async () => {
      const error = await rejection(runJob({ target: 'completed_jobs' }, { env: { ...env, JOBS_DB_SCHEMA: 'nowhere' } }));
      expect(isPermanentJobError(error), error.message).to.equal(true);
      expect(error.message).to.match(/job record is missing in schema "nowhere" of postgres:\/\/.*\/file_cleanup_/);
      expect(error.message).to.include('jobs init');
    });

    it('fails permanently on a bad variable, naming it, and never connects', async () => {
      const bad = await rejection(runJob({ target: 'completed_jobs' }, { env: { ...env, JOBS_DB_SCHEMA: 'jobs; DROP TABLE x', JOBS_CLEAN_FAILED_AFTER: '7d' } }));
      expect(isPermanentJobError(bad)).to.equal(true);
      expect(bad.message).to.match(/^file-cleanup is misconfigured: JOBS_DB_SCHEMA must be a PostgreSQL identifier.*; JOBS_CLEAN_FAILED_AFTER must be a whole number of milliseconds/);
      const url = await rejection(runJob({ target: 'completed_jobs' }, { env: { ...env, DATABASE_URL: 'mysql://u:hunter2@h/db' } }));
      expect(url.message).to.include('DATABASE_URL must be a postgres://').and.not.include('hunter2');
    });

    it('refuses a payload that skipped validation', async () => {
      const error = await rejection(runJob({ target: 'everything' } as never, { env }));
      expect(isPermanentJobError(error)).to.equal(true);
      expect(error.message).to.match(/payload.target must be "completed_jobs" or "failed_jobs"/);
      const both = await rejection(runJob({ target: 'failed_jobs', older_than_days: 1, older_than_hours: 1 }, { env }));
      expect(both.message).to.match(/not both/);
    });

    it('fails permanently when the queues are on PostgreSQL and BullMQ\'s tables were never created', async () => {
      const { JOBS_REDIS_URL: _redis, JOBS_QUEUE_PREFIX: _prefix, ...withoutRedis } = env;
      const old = await insertJob(pool, Q, { status: 'completed', finished: '3 days' });
      const error = await rejection(runJob({ target: 'completed_jobs' }, { env: withoutRedis }));
      expect(isPermanentJobError(error), error.message).to.equal(true);
      expect(error.message).to.match(/cleaning the completed jobs of queue "default" on postgres:\/\/.* \(schema bullmq\) failed: BullMQ's tables are not there/);
      expect(await remaining(pool, Q, [old])).to.deep.equal([old]);
    });

    it('fails with a retryable error when PostgreSQL cannot be reached', async () => {
      const port = await freePort();
      const error = await rejection(runJob({ target: 'completed_jobs' }, {
        env: { ...env, DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${port}/app` },
      }));
      expect(isPermanentJobError(error)).to.equal(false);
      expect(error.message).to.match(new RegExp(`listing the queues of the record in postgres://postgres@127\\.0\\.0\\.1:${port}/app failed: .*ECONNREFUSED`));
      expect(error.message).to.not.include('secret');
    });

    it('fails with a retryable error, and deletes nothing from the record, when Redis cannot be reached', async () => {
      const old = await insertJob(pool, Q, { status: 'completed', finished: '3 days' });
      const port = await freePort();
      const error = await rejection(runJob({ target: 'completed_jobs' }, { env: { ...env, JOBS_REDIS_URL: `redis://:pw@127.0.0.1:${port}` } }));
      expect(isPermanentJobError(error)).to.equal(false);
      expect(error.message).to.match(new RegExp(`cleaning the completed jobs of queue "default" on redis://127\\.0\\.0\\.1:${port} failed`));
      expect(error.message).to.not.include('pw');
      expect(await remaining(pool, Q, [old])).to.deep.equal([old]);
    });
  });
});
