import type pg from 'pg';
import type { RuntimeConfig } from '../config/index.js';
import { LEDGER_TABLE } from '../db/ledger-storage.js';
import { JobsError } from '../errors.js';
import type { EnqueuedJob, JobProducer } from '../producer/job-producer.js';
import type { ProcessorRegistry } from '../registry/index.js';
import { CronSchedule, cronProblem } from './schedule-clock.js';
import { timeZoneProblem } from './zone-offset.js';
import { scheduleExists, scheduleNotFound } from './schedule-error.js';
import { SCHEDULES_CHANNEL } from './schedule-listener.js';
import { scheduleFromRow, type PreviewRequest, type Schedule, type ScheduleInput, type ScheduleRow, type ScheduleUpdate } from './schedule-types.js';
import { mergeUpdate, validateSchedule, type ValidSchedule } from './schedule-validation.js';

export interface ScheduleStoreDeps {
  pool: pg.Pool;
  quotedSchema: string;
  registry: ProcessorRegistry;
  config: RuntimeConfig;
  producer: JobProducer;
  now?: () => Date;
}

export const MAX_PREVIEW = 100;

/**
 * The schedules API: every function a route or a CLI command needs, one call each.
 * job_schedules is the source of truth; a change here is seen by every scheduler at once
 * (each change sends NOTIFY nself_jobs_schedules with the name), and a change made by plain SQL
 * within a second (they poll). Set next_run_at to NULL by SQL to have it recomputed from now.
 * Invalid input throws a JobsError (details: path + message) and stores nothing.
 */
export class ScheduleStore {
  private readonly now: () => Date;

  constructor(private readonly deps: ScheduleStoreDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private get table(): string {
    return `${this.deps.quotedSchema}.job_schedules`;
  }

  async list(): Promise<Schedule[]> {
    const { rows } = await this.deps.pool.query<ScheduleRow>(`SELECT * FROM ${this.table} ORDER BY name`);
    return rows.map(scheduleFromRow);
  }

  async find(name: string): Promise<Schedule | undefined> {
    const { rows } = await this.deps.pool.query<ScheduleRow>(`SELECT * FROM ${this.table} WHERE name = $1`, [name]);
    return rows[0] ? scheduleFromRow(rows[0]) : undefined;
  }

  async get(name: string): Promise<Schedule> {
    const schedule = await this.find(name);
    if (!schedule) throw scheduleNotFound(name);
    return schedule;
  }

  async create(input: ScheduleInput | unknown): Promise<Schedule> {
    const valid = validateSchedule(input, this.deps.registry, this.deps.config);
    const next = valid.enabled ? this.clockOf(valid).nextAfter(this.now()) : null;
    const { rows } = await this.write(() => this.deps.pool.query<ScheduleRow>(
      `INSERT INTO ${this.table} (name, type, queue, payload, options, cron, timezone, description, enabled, missed_policy, next_run_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (name) DO NOTHING RETURNING *`,
      [...columnValues(valid), next],
    ));
    if (!rows[0]) throw scheduleExists(valid.name);
    await this.notify(valid.name);
    return scheduleFromRow(rows[0]);
  }

  /**
   * Changes any field but the name. A new cron, time zone or enabling computes the next run
   * from now (never before the last run): missed-run policies apply to downtime, not to changes.
   */
  async update(name: string, update: ScheduleUpdate | unknown): Promise<Schedule> {
    return this.transaction(async (client) => {
      const { rows: [row] } = await client.query<ScheduleRow>(`SELECT * FROM ${this.table} WHERE name = $1 FOR UPDATE`, [name]);
      if (!row) throw scheduleNotFound(name);
      const current = scheduleFromRow(row);
      const valid = validateSchedule(mergeUpdate(current, update), this.deps.registry, this.deps.config);
      const retimed = valid.cron !== current.cron || valid.timezone !== current.timezone || valid.enabled !== current.enabled || row.next_run_at === null;
      let next = row.next_run_at;
      if (!valid.enabled) next = null;
      else if (retimed) next = this.clockOf(valid).nextAfter(laterOf(this.now(), row.last_run_at));
      const { rows } = await this.write(() => client.query<ScheduleRow>(
        `UPDATE ${this.table} SET type = $2, queue = $3, payload = $4, options = $5, cron = $6, timezone = $7, description = $8,
           enabled = $9, missed_policy = $10, next_run_at = $11, updated_at = now()
         WHERE name = $1 RETURNING *`,
        [...columnValues(valid), next],
      ));
      await client.query('SELECT pg_notify($1, $2)', [SCHEDULES_CHANNEL, name]); // delivered at COMMIT
      return scheduleFromRow(rows[0]);
    });
  }

  setEnabled(name: string, enabled: boolean): Promise<Schedule> {
    return this.update(name, { enabled });
  }

  /** Deletes the schedule and returns it; its jobs stay in the record with its name. */
  async delete(name: string): Promise<Schedule> {
    const { rows } = await this.deps.pool.query<ScheduleRow>(`DELETE FROM ${this.table} WHERE name = $1 RETURNING *`, [name]);
    if (!rows[0]) throw scheduleNotFound(name);
    await this.notify(name);
    return scheduleFromRow(rows[0]);
  }

  /**
   * Creates `inputs` once per database: only when the ledger (nself_jobs_migrations) has no row
   * `marker`, which is written in the same transaction. A schedule whose name is taken is left
   * as it is; later deletions or edits are never undone. Returns the names created ([] when the
   * marker was already there). Several processes at once: the marker's key serialises them.
   */
  async seedOnce(marker: { package: string; name: string }, inputs: ScheduleInput[]): Promise<string[]> {
    const valid = inputs.map((input) => validateSchedule(input, this.deps.registry, this.deps.config));
    const created = await this.transaction(async (client) => {
      const marked = await client.query(
        `INSERT INTO ${this.deps.quotedSchema}.${LEDGER_TABLE} (package, name) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING name`,
        [marker.package, marker.name],
      );
      if (marked.rowCount === 0) return [];
      const names: string[] = [];
      for (const schedule of valid) {
        const next = schedule.enabled ? this.clockOf(schedule).nextAfter(this.now()) : null;
        const { rows } = await client.query<{ name: string }>(
          `INSERT INTO ${this.table} (name, type, queue, payload, options, cron, timezone, description, enabled, missed_policy, next_run_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (name) DO NOTHING RETURNING name`,
          [...columnValues(schedule), next],
        );
        if (rows[0]) names.push(rows[0].name);
      }
      return names;
    });
    for (const name of created) await this.notify(name);
    return created;
  }

  /** Enqueues one job now (also for a disabled schedule); the cron timing is not changed. */
  async runNow(name: string): Promise<EnqueuedJob> {
    const schedule = await this.get(name);
    const job = await this.deps.producer.enqueue({ type: schedule.type, queue: schedule.queue, payload: schedule.payload, options: schedule.options }, name);
    await this.deps.pool.query(
      `UPDATE ${this.table} SET last_run_at = now(), last_job_id = $2, run_count = run_count + 1 WHERE name = $1`, [name, job.id]);
    return job;
  }

  /** The next run times of an expression, as ISO strings; OPTIONS_INVALID for a bad cron, time zone or count. */
  preview(request: PreviewRequest): string[] {
    const count = request.count ?? 5;
    const timezone = request.timezone ?? 'UTC';
    const problems: Array<{ path: string; message: string }> = [];
    const cronIssue = cronProblem(request.cron);
    if (cronIssue) problems.push({ path: '/cron', message: cronIssue });
    const zoneIssue = timeZoneProblem(timezone);
    if (zoneIssue) problems.push({ path: '/timezone', message: zoneIssue });
    if (!Number.isInteger(count) || count < 1 || count > MAX_PREVIEW) problems.push({ path: '/count', message: `must be an integer from 1 to ${MAX_PREVIEW}` });
    if (request.from !== undefined && Number.isNaN(request.from.getTime())) problems.push({ path: '/from', message: 'must be a valid date' });
    if (problems.length > 0) throw new JobsError('OPTIONS_INVALID', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
    const clock = CronSchedule.parse(request.cron, timezone, request.name);
    return clock.upcoming(request.from ?? this.now(), count).map((d) => d.toISOString());
  }

  /** The next `count` runs of a stored schedule (from its next_run_at; from now while disabled). */
  nextRuns(schedule: Schedule, count = 5): string[] {
    const from = schedule.nextRunAt ? new Date(schedule.nextRunAt) : this.now();
    return this.preview({ cron: schedule.cron, timezone: schedule.timezone, count, from, name: schedule.name });
  }

  /** Wakes every scheduler listening on the database (this process's too). Best effort: they poll anyway. */
  private async notify(name: string): Promise<void> {
    await this.deps.pool.query('SELECT pg_notify($1, $2)', [SCHEDULES_CHANNEL, name]).catch(() => {});
  }

  private clockOf(schedule: ValidSchedule): CronSchedule {
    return CronSchedule.parse(schedule.cron, schedule.timezone, schedule.name);
  }

  /** A payload PostgreSQL cannot store (U+0000) is the caller's problem, not a 500. */
  private async write<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '22P05' || code === '22021') {
        throw new JobsError('PAYLOAD_INVALID', 'payload contains a character PostgreSQL cannot store (U+0000)', [{ path: '/payload', message: 'must not contain U+0000' }]);
      }
      throw error;
    }
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.deps.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}

function columnValues(s: ValidSchedule): unknown[] {
  return [s.name, s.type, s.queue, JSON.stringify(s.payload), JSON.stringify(s.options), s.cron, s.timezone, s.description, s.enabled, s.missedPolicy];
}

function laterOf(a: Date, b: Date | null): Date {
  return b && b.getTime() > a.getTime() ? b : a;
}
