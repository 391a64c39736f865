import { expect } from 'chai';
import pg from 'pg';
import { createTestDatabase } from '@nself-jobs/test-helpers';
import { migrateRecord } from '../../src/db/index.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

interface JobSpec {
  n: number; type: string; queue: string; status: string;
  created?: string; completed?: string; schedule?: string; duration?: number;
}

/** Inserts jobs (times relative to now(), e.g. '3 days') and, when given, their results. */
async function insertJobs(pool: pg.Pool, jobs: JobSpec[]): Promise<void> {
  for (const job of jobs) {
    await pool.query(
      `INSERT INTO jobs (id, type, queue, status, schedule_name, created_at, started_at, completed_at)
       VALUES ($1, $2, $3, $4, $5, now() - $6::interval, now() - $6::interval, now() - $7::interval)`,
      [id(job.n), job.type, job.queue, job.status, job.schedule ?? null, job.created ?? '10 minutes', job.completed ?? null],
    );
    if (job.duration !== undefined) {
      await pool.query('INSERT INTO job_results (job_id, result, duration_ms) VALUES ($1, $2, $3)', [id(job.n), { ok: job.n }, job.duration]);
    }
  }
}

async function insertFailure(pool: pg.Pool, n: number, attempt: number, message: string, ago: string): Promise<void> {
  await pool.query(
    `INSERT INTO job_failures (job_id, attempt_number, error_message, error_code, stack, failed_at)
     VALUES ($1, $2, $3, 'E_TEST', $4, now() - $5::interval)`,
    [id(n), attempt, message, `Error: ${message}\n    at test`, ago],
  );
}

describe('db/record views and functions', () => {
  let pool: pg.Pool;

  before(async () => {
    pool = new pg.Pool({ connectionString: await createTestDatabase('record_views') });
    await migrateRecord(pool);
    await insertJobs(pool, [
      { n: 1, type: 'email', queue: 'default', status: 'completed', created: '50 minutes', completed: '49 minutes', duration: 100, schedule: 'nightly' },
      { n: 2, type: 'email', queue: 'default', status: 'completed', created: '40 minutes', completed: '39 minutes', duration: 300, schedule: 'nightly' },
      { n: 3, type: 'email', queue: 'default', status: 'failed', created: '30 minutes', completed: '20 minutes', schedule: 'nightly' },
      { n: 4, type: 'webhook', queue: 'high-priority', status: 'waiting', created: '20 minutes' },
      { n: 5, type: 'webhook', queue: 'high-priority', status: 'active', created: '15 minutes' },
      { n: 6, type: 'webhook', queue: 'default', status: 'delayed', created: '25 minutes' },
      { n: 7, type: 'webhook', queue: 'default', status: 'cancelled', created: '5 minutes', completed: '4 minutes' },
      { n: 8, type: 'report', queue: 'default', status: 'failed', created: '3 days', completed: '2 days' },
    ]);
    await insertFailure(pool, 3, 1, 'boom 1', '25 minutes');
    await insertFailure(pool, 3, 2, 'boom 2', '20 minutes');
    await insertFailure(pool, 8, 1, 'old boom', '2 days');
    await pool.query(
      `INSERT INTO job_schedules (name, type, cron, last_job_id, last_run_at, run_count) VALUES
         ('nightly', 'email', '0 3 * * *', $1, now(), 3), ('idle', 'report', '0 * * * *', NULL, NULL, 0)`,
      [id(2)],
    );
  });
  after(async () => {
    await pool.end();
  });

  it('jobs_active lists waiting, delayed and active jobs, oldest first', async () => {
    const { rows } = await pool.query('SELECT id, status FROM jobs_active');
    expect(rows).to.deep.equal([
      { id: id(6), status: 'delayed' },
      { id: id(4), status: 'waiting' },
      { id: id(5), status: 'active' },
    ]);
  });

  it('jobs_failed_details gives the last failure and the number of failures', async () => {
    const { rows } = await pool.query('SELECT id, last_error_message, last_error_code, last_error_stack, failure_count FROM jobs_failed_details');
    expect(rows).to.deep.equal([
      { id: id(3), last_error_message: 'boom 2', last_error_code: 'E_TEST', last_error_stack: 'Error: boom 2\n    at test', failure_count: '2' },
      { id: id(8), last_error_message: 'old boom', last_error_code: 'E_TEST', last_error_stack: 'Error: old boom\n    at test', failure_count: '1' },
    ]);
  });

  it('queue_stats counts jobs per status for each queue', async () => {
    const { rows } = await pool.query('SELECT * FROM queue_stats');
    expect(rows.map((row) => ({ ...row, oldest_waiting_at: row.oldest_waiting_at && 'set' }))).to.deep.equal([
      { queue: 'default', waiting: '0', delayed: '1', active: '0', completed: '2', failed: '2', cancelled: '1', total: '6', oldest_waiting_at: null },
      { queue: 'high-priority', waiting: '1', delayed: '0', active: '1', completed: '0', failed: '0', cancelled: '0', total: '2', oldest_waiting_at: 'set' },
    ]);
    const created = await pool.query('SELECT created_at FROM jobs WHERE id = $1', [id(4)]);
    expect(rows[1].oldest_waiting_at.getTime()).to.equal(created.rows[0].created_at.getTime());
  });

  it('job_type_stats gives totals, failure rate and durations per type', async () => {
    const { rows } = await pool.query("SELECT * FROM job_type_stats WHERE type = 'email'");
    expect(rows[0]).to.include({
      type: 'email', total: '3', completed: '2', failed: '1', failure_rate: '0.3333',
      avg_duration_ms: '200.00', p95_duration_ms: '290.00',
    });
    expect(rows[0].last_run_at).to.be.instanceOf(Date);
    const webhook = (await pool.query("SELECT failure_rate, avg_duration_ms FROM job_type_stats WHERE type = 'webhook'")).rows[0];
    expect(webhook).to.deep.equal({ failure_rate: null, avg_duration_ms: null });
  });

  it('recent_failures lists the last 24 hours of failures with their job, newest first', async () => {
    const { rows } = await pool.query('SELECT job_id, type, queue, job_status, attempt_number, error_message FROM recent_failures');
    expect(rows).to.deep.equal([
      { job_id: id(3), type: 'email', queue: 'default', job_status: 'failed', attempt_number: 2, error_message: 'boom 2' },
      { job_id: id(3), type: 'email', queue: 'default', job_status: 'failed', attempt_number: 1, error_message: 'boom 1' },
    ]);
  });

  it('scheduled_jobs_overview shows each schedule, its last job status and its jobs per status', async () => {
    const { rows } = await pool.query(
      'SELECT name, enabled, cron, timezone, run_count, last_job_status, total_jobs, completed_jobs, failed_jobs, waiting_jobs FROM scheduled_jobs_overview',
    );
    expect(rows).to.deep.equal([
      { name: 'idle', enabled: true, cron: '0 * * * *', timezone: 'UTC', run_count: '0', last_job_status: null, total_jobs: '0', completed_jobs: '0', failed_jobs: '0', waiting_jobs: '0' },
      { name: 'nightly', enabled: true, cron: '0 3 * * *', timezone: 'UTC', run_count: '3', last_job_status: 'completed', total_jobs: '3', completed_jobs: '2', failed_jobs: '1', waiting_jobs: '0' },
    ]);
  });

  it('get_job_stats groups recent jobs by queue and status', async () => {
    const all = await pool.query('SELECT * FROM get_job_stats()');
    expect(all.rows).to.deep.equal([
      { queue: 'default', status: 'cancelled', job_count: '1', avg_duration_ms: null, p95_duration_ms: null },
      { queue: 'default', status: 'completed', job_count: '2', avg_duration_ms: '200.00', p95_duration_ms: '290.00' },
      { queue: 'default', status: 'delayed', job_count: '1', avg_duration_ms: null, p95_duration_ms: null },
      { queue: 'default', status: 'failed', job_count: '1', avg_duration_ms: null, p95_duration_ms: null },
      { queue: 'high-priority', status: 'active', job_count: '1', avg_duration_ms: null, p95_duration_ms: null },
      { queue: 'high-priority', status: 'waiting', job_count: '1', avg_duration_ms: null, p95_duration_ms: null },
    ]);
    const onlyHigh = await pool.query("SELECT status, job_count FROM get_job_stats('high-priority')");
    expect(onlyHigh.rows).to.deep.equal([{ status: 'active', job_count: '1' }, { status: 'waiting', job_count: '1' }]);
    const week = await pool.query("SELECT job_count FROM get_job_stats('default', 24 * 7) WHERE status = 'failed'");
    expect(week.rows).to.deep.equal([{ job_count: '2' }]);
  });
});

describe('db/record cleanup functions', () => {
  let pool: pg.Pool;

  before(async () => {
    pool = new pg.Pool({ connectionString: await createTestDatabase('record_cleanup') });
    await migrateRecord(pool);
  });
  after(async () => {
    await pool.end();
  });

  it('delete only old finished jobs, with their results and failures, and unlink schedules', async () => {
    await insertJobs(pool, [
      { n: 1, type: 't', queue: 'default', status: 'completed', created: '49 hours', completed: '48 hours', duration: 5, schedule: 'hourly' },
      { n: 2, type: 't', queue: 'default', status: 'cancelled', created: '49 hours', completed: '48 hours' },
      { n: 3, type: 't', queue: 'default', status: 'completed', created: '2 hours', completed: '1 hour', duration: 5 },
      { n: 4, type: 't', queue: 'default', status: 'failed', created: '10 days', completed: '9 days' },
      { n: 5, type: 't', queue: 'default', status: 'failed', created: '3 days', completed: '2 days' },
      { n: 6, type: 't', queue: 'default', status: 'active', created: '30 days' },
      { n: 7, type: 't', queue: 'default', status: 'waiting', created: '30 days' },
    ]);
    await insertFailure(pool, 1, 1, 'first try failed', '48 hours');
    await insertFailure(pool, 4, 1, 'gave up', '9 days');
    await pool.query("INSERT INTO job_schedules (name, type, cron, last_job_id) VALUES ('hourly', 't', '0 * * * *', $1)", [id(1)]);
    const remaining = async () =>
      (await pool.query('SELECT id FROM jobs ORDER BY id')).rows.map((row) => Number(row.id.slice(-2)));

    expect((await pool.query('SELECT cleanup_old_jobs() AS n')).rows[0].n).to.equal(2);
    expect(await remaining()).to.deep.equal([3, 4, 5, 6, 7]);
    const schedule = await pool.query("SELECT name, last_job_id FROM job_schedules WHERE name = 'hourly'");
    expect(schedule.rows).to.deep.equal([{ name: 'hourly', last_job_id: null }]);
    expect((await pool.query('SELECT job_id FROM job_results')).rows).to.deep.equal([{ job_id: id(3) }]);

    expect((await pool.query('SELECT cleanup_old_failed_jobs() AS n')).rows[0].n).to.equal(1);
    expect(await remaining()).to.deep.equal([3, 5, 6, 7]);
    expect((await pool.query('SELECT count(*)::int AS n FROM job_failures')).rows[0].n).to.equal(0);

    // Explicit windows: nothing old enough is left for the defaults; shorter ones reach the rest.
    expect((await pool.query('SELECT cleanup_old_jobs(24) AS n')).rows[0].n).to.equal(0);
    expect((await pool.query('SELECT cleanup_old_jobs(0) AS n')).rows[0].n).to.equal(1);
    expect((await pool.query('SELECT cleanup_old_failed_jobs(1) AS n')).rows[0].n).to.equal(1);
    expect(await remaining()).to.deep.equal([6, 7]);
  });
});
