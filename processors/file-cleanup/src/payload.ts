import { PermanentJobError } from '@nself-jobs/sdk';

/** The job payload, as described by schemas/payload.schema.json. */
export type CleanupTarget = 'completed_jobs' | 'failed_jobs';

export interface FileCleanupPayload {
  target: CleanupTarget;
  /** Age in hours (fractions allowed); at most one of older_than_hours / older_than_days. */
  older_than_hours?: number;
  /** Age in days (fractions allowed). */
  older_than_days?: number;
  /** Only this queue; every queue when absent. */
  queue?: string;
}

/** What one job does, with the defaults applied. */
export interface CleanupPlan {
  target: CleanupTarget;
  /** Jobs that finished more than this many milliseconds ago are removed. */
  olderThanMs: number;
  queue: string | undefined;
}

export const TARGETS: readonly CleanupTarget[] = ['completed_jobs', 'failed_jobs'];
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** 100 years: far beyond any retention, small enough for every integer and interval involved. */
export const MAX_AGE_MS = 36_500 * DAY_MS;
export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

/** The ages used when a payload gives none: JOBS_CLEAN_COMPLETED_AFTER / JOBS_CLEAN_FAILED_AFTER. */
export interface DefaultAges {
  completedMs: number;
  failedMs: number;
}

/**
 * Applies the defaults and checks what the schema already checks: a processor may be run by code
 * that skipped validation, and a wrong target or age here would delete the wrong rows.
 */
export function resolvePayload(payload: FileCleanupPayload, defaults: DefaultAges): CleanupPlan {
  if (typeof payload !== 'object' || payload === null) throw new PermanentJobError('payload must be an object');
  const { target, older_than_hours: hours, older_than_days: days, queue } = payload;
  if (!TARGETS.includes(target)) {
    throw new PermanentJobError(`payload.target must be "completed_jobs" or "failed_jobs", not ${JSON.stringify(target)}`);
  }
  if (hours !== undefined && days !== undefined) {
    throw new PermanentJobError('payload: give older_than_hours or older_than_days, not both');
  }
  if (queue !== undefined && (typeof queue !== 'string' || !QUEUE_NAME_PATTERN.test(queue))) {
    throw new PermanentJobError('payload.queue must be 1 to 100 letters, digits, "_" or "-"');
  }
  let olderThanMs: number;
  if (hours !== undefined) olderThanMs = ageMs(hours, HOUR_MS, 'older_than_hours');
  else if (days !== undefined) olderThanMs = ageMs(days, DAY_MS, 'older_than_days');
  else olderThanMs = target === 'completed_jobs' ? defaults.completedMs : defaults.failedMs;
  return { target, olderThanMs, queue };
}

function ageMs(value: unknown, unitMs: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new PermanentJobError(`payload.${field} must be a number >= 0`);
  }
  const ms = Math.round(value * unitMs);
  if (ms > MAX_AGE_MS) throw new PermanentJobError(`payload.${field} is beyond 100 years`);
  return ms;
}
