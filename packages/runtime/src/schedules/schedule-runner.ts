import type pg from 'pg';
import { isJobsError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EnqueuedJob, JobProducer } from '../producer/job-producer.js';
import type { EnqueueRequest } from '../producer/enqueue-request.js';
import { MAX_CATCH_UP, MISSED_GRACE_MS, planDue } from './missed-runs.js';
import { CronSchedule } from './schedule-clock.js';
import type { ScheduleRow } from './schedule-types.js';

export interface ScheduleRunnerDeps {
  pool: pg.Pool;
  quotedSchema: string;
  producer: JobProducer;
  log: Logger;
  now: () => Date;
  graceMs?: number;
  maxCatchUp?: number;
}

export interface PassResult {
  /** Jobs enqueued (or found already enqueued) for occurrences. */
  fired: number;
  /** The batch was full: more schedules may be due right now. */
  more: boolean;
  /** Something could not be enqueued for a reason that may pass (backend or database down): back off. */
  failed: boolean;
}

const BATCH = 20;
/** An enqueue that takes longer (a Redis client queues commands while it reconnects) is given up and retried. */
const ENQUEUE_TIMEOUT_MS = 15000;
/** Should this process hang mid-pass, PostgreSQL ends the claiming session and frees the rows for the others. */
const CLAIM_IDLE_TIMEOUT_MS = 60000;

/** The idempotency key of an occurrence: one job per schedule and instant, whoever enqueues it and however often. */
export function occurrenceKey(name: string, at: Date): string {
  return `schedule:${name}:${at.toISOString()}`;
}

/**
 * One pass of the scheduler. Exactly once per occurrence comes from two things:
 * - the due rows are claimed with FOR UPDATE SKIP LOCKED, so one process at a time handles a schedule;
 * - each occurrence is enqueued with the key occurrenceKey(name, time), which the record's unique
 *   index turns into one job whatever happens. The producer writes on its own connections, so the
 *   order is: enqueue (idempotent) first, then advance the row in the claiming transaction. A crash
 *   in between leaves the row due; whoever claims it next enqueues the same keys and gets the same jobs.
 */
export class ScheduleRunner {
  private readonly clocks = new Map<string, CronSchedule>();
  /** Rows whose cron or time zone (set by SQL) cannot be parsed, by id: left alone until they change. */
  private readonly broken = new Map<string, string>();

  constructor(private readonly deps: ScheduleRunnerDeps) {}

  private get table(): string {
    return `${this.deps.quotedSchema}.job_schedules`;
  }

  async runDue(): Promise<PassResult> {
    const now = this.deps.now();
    const client = await this.deps.pool.connect();
    const result: PassResult = { fired: 0, more: false, failed: false };
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL idle_in_transaction_session_timeout = ${CLAIM_IDLE_TIMEOUT_MS}`);
      const { rows } = await client.query<ScheduleRow>(
        `SELECT * FROM ${this.table}
          WHERE enabled AND (next_run_at IS NULL OR next_run_at <= $1) AND NOT (id::text || ' ' || cron || ' ' || timezone = ANY($2::text[]))
          ORDER BY next_run_at NULLS FIRST, name LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
        [now, this.brokenVersions()],
      );
      for (const row of rows) {
        const outcome = await this.advance(client, row, now);
        result.fired += outcome.fired;
        result.failed ||= outcome.failed;
      }
      await client.query('COMMIT');
      result.more = rows.length === BATCH;
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: Error) => { broken = rollback; });
      throw error;
    } finally {
      client.release(broken); // a connection that cannot even roll back is discarded
    }
  }

  /** When the scheduler must look again: the earliest next run of an enabled schedule (now for an unset one). */
  async earliestDue(): Promise<Date | null> {
    const { rows: [row] } = await this.deps.pool.query<{ next: Date | null; unset: number }>(
      `SELECT min(next_run_at) AS next, count(*) FILTER (WHERE next_run_at IS NULL)::int AS unset FROM ${this.table}
        WHERE enabled AND NOT (id::text || ' ' || cron || ' ' || timezone = ANY($1::text[]))`,
      [this.brokenVersions()],
    );
    return row.unset > 0 ? this.deps.now() : row.next;
  }

  private async advance(client: pg.PoolClient, row: ScheduleRow, now: Date): Promise<{ fired: number; failed: boolean }> {
    const clock = this.clockOf(row);
    if (!clock) return { fired: 0, failed: false };
    if (row.next_run_at === null) {
      const from = row.last_run_at && row.last_run_at > now ? row.last_run_at : now;
      await this.update(client, row, { next: clock.nextAfter(from), fired: 0 });
      return { fired: 0, failed: false };
    }
    const plan = planDue(clock, row.next_run_at, row.missed_policy, now, this.deps.graceMs ?? MISSED_GRACE_MS, this.deps.maxCatchUp ?? MAX_CATCH_UP);
    if (plan.skipped > 0 || plan.catchUp > 0) {
      this.deps.log.info({ schedule: row.name, policy: row.missed_policy, catchUp: plan.catchUp, skipped: `${plan.skipped}${plan.skippedMore ? '+' : ''}` },
        'schedule: occurrences were missed while no scheduler ran');
    }
    let jobs: EnqueuedJob[] = [];
    if (plan.fire.length > 0) {
      try {
        jobs = await withTimeout(this.deps.producer.enqueueMany(plan.fire.map((at) => this.requestFor(row, at)), row.name), ENQUEUE_TIMEOUT_MS);
      } catch (error) {
        if (!isJobsError(error) || error.code === 'BACKEND_UNAVAILABLE' || error.code === 'DATABASE_UNAVAILABLE') {
          // Try these occurrences again at the next pass; the row is left as it was.
          this.deps.log.warn({ schedule: row.name, err: (error as Error).message }, 'schedule: could not enqueue; retrying');
          return { fired: 0, failed: true };
        }
        // The schedule no longer makes a valid job (type uninstalled, schema changed...): say so at each occurrence.
        this.deps.log.error({ schedule: row.name, code: error.code, err: error.message, details: error.details },
          'schedule: its job is refused; this occurrence is skipped (fix it with `jobs schedule` or the API)');
      }
    }
    const last = jobs.length > 0 ? plan.fire[plan.fire.length - 1] : null;
    await this.update(client, row, { next: plan.next, fired: jobs.length, lastRunAt: last, lastJobId: jobs.at(-1)?.id });
    this.deps.log.debug({ schedule: row.name, fired: jobs.length, next: plan.next.toISOString() }, 'schedule ran');
    return { fired: jobs.length, failed: false };
  }

  private update(client: pg.PoolClient, row: ScheduleRow, change: { next: Date; fired: number; lastRunAt?: Date | null; lastJobId?: string }) {
    return client.query(
      `UPDATE ${this.table}
          SET next_run_at = $2, run_count = run_count + $3, last_run_at = COALESCE($4, last_run_at),
              last_job_id = COALESCE((SELECT id FROM ${this.deps.quotedSchema}.jobs WHERE id = $5::uuid), last_job_id)
        WHERE id = $1`,
      [row.id, change.next, change.fired, change.lastRunAt ?? null, change.lastJobId ?? null],
    );
  }

  private requestFor(row: ScheduleRow, at: Date): EnqueueRequest {
    return { type: row.type, queue: row.queue, payload: row.payload, options: { ...(row.options ?? {}), idempotencyKey: occurrenceKey(row.name, at) } };
  }

  private clockOf(row: ScheduleRow): CronSchedule | undefined {
    const key = `${row.cron}\u0000${row.timezone}\u0000${row.name}`;
    let clock = this.clocks.get(key);
    if (clock) return clock;
    try {
      clock = CronSchedule.parse(row.cron, row.timezone, row.name);
    } catch (error) {
      this.broken.set(row.id, `${row.id} ${row.cron} ${row.timezone}`);
      this.deps.log.error({ schedule: row.name, cron: row.cron, timezone: row.timezone, err: (error as Error).message },
        'schedule: its cron expression or time zone is invalid (changed outside nself-jobs?); it will not run until fixed');
      return undefined;
    }
    this.broken.delete(row.id);
    if (this.clocks.size > 1000) this.clocks.clear();
    this.clocks.set(key, clock);
    return clock;
  }

  private brokenVersions(): string[] {
    return [...this.broken.values()];
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from the queue backend within ${ms} ms`)), ms);
    work.then((value) => { clearTimeout(timer); resolve(value); }, (error) => { clearTimeout(timer); reject(error); });
  });
}
