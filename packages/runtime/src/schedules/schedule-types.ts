import type { PriorityName } from '@nself-jobs/sdk';
import type { MissedPolicy } from './missed-runs.js';

/** The job options a schedule may set for each of its jobs. */
export interface ScheduleJobOptions {
  priority?: PriorityName;
  /** Retries after the first attempt: 0 means exactly one attempt. */
  maxRetries?: number;
  /** Milliseconds one attempt may take. */
  timeout?: number;
}

/** A row of job_schedules as the API and the CLI show it (times as ISO strings). */
export interface Schedule {
  id: string;
  name: string;
  type: string;
  queue: string;
  payload: unknown;
  options: ScheduleJobOptions;
  cron: string;
  timezone: string;
  description: string | null;
  enabled: boolean;
  missedPolicy: MissedPolicy;
  createdAt: string;
  updatedAt: string;
  /** The time of the latest occurrence run (for `schedule run`, the time of the request). */
  lastRunAt: string | null;
  lastJobId: string | null;
  /** Null only while disabled. */
  nextRunAt: string | null;
  /** Jobs this schedule created. */
  runCount: number;
}

/** The body of POST /api/schedules and the flags of `jobs schedule create`. */
export interface ScheduleInput {
  name: string;
  type: string;
  cron: string;
  /** IANA name; UTC when absent. */
  timezone?: string;
  payload?: unknown;
  /** The job type's own queue when absent. */
  queue?: string;
  options?: ScheduleJobOptions;
  description?: string | null;
  enabled?: boolean;
  missedPolicy?: MissedPolicy;
}

/** The body of PATCH /api/schedules/:name: any field of ScheduleInput but the name. */
export type ScheduleUpdate = Partial<Omit<ScheduleInput, 'name'>>;

/** GET /api/schedules/preview?cron=&tz=&count= */
export interface PreviewRequest {
  cron: string;
  timezone?: string;
  /** 1 to 100; 5 by default. */
  count?: number;
  /** First time considered (included); now by default. */
  from?: Date;
  /** Seeds `H` in the expression: pass the schedule's name to see the times it will really use. */
  name?: string;
}

export interface ScheduleRow {
  id: string;
  name: string;
  type: string;
  queue: string;
  payload: unknown;
  options: ScheduleJobOptions;
  cron: string;
  timezone: string;
  description: string | null;
  enabled: boolean;
  missed_policy: MissedPolicy;
  created_at: Date;
  updated_at: Date;
  last_run_at: Date | null;
  last_job_id: string | null;
  next_run_at: Date | null;
  run_count: string | number;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function scheduleFromRow(row: ScheduleRow): Schedule {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    queue: row.queue,
    payload: row.payload,
    options: row.options ?? {},
    cron: row.cron,
    timezone: row.timezone,
    description: row.description,
    enabled: row.enabled,
    missedPolicy: row.missed_policy,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastRunAt: iso(row.last_run_at),
    lastJobId: row.last_job_id,
    nextRunAt: iso(row.next_run_at),
    runCount: Number(row.run_count),
  };
}
