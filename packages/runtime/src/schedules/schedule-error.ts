import { JobsError, type JobsErrorCode } from '../errors.js';

/**
 * Codes only schedules raise. They are JobsErrors (same name, same `code`/`details` shape),
 * so every edge handles them; the HTTP edge should map SCHEDULE_NOT_FOUND to 404 and
 * SCHEDULE_EXISTS to 409. Invalid input uses the producer's codes: OPTIONS_INVALID (cron,
 * time zone, name, options, queue...), UNKNOWN_TYPE and PAYLOAD_INVALID.
 */
export type ScheduleErrorCode = 'SCHEDULE_NOT_FOUND' | 'SCHEDULE_EXISTS';

export class ScheduleError extends JobsError {
  constructor(code: ScheduleErrorCode | JobsErrorCode, message: string, details?: unknown) {
    super(code as JobsErrorCode, message, details);
  }
}

export const scheduleNotFound = (name: string) =>
  new ScheduleError('SCHEDULE_NOT_FOUND', `no schedule named "${name}"`, [{ path: '/name', message: `no schedule named "${name}"` }]);

export const scheduleExists = (name: string) =>
  new ScheduleError('SCHEDULE_EXISTS', `a schedule named "${name}" already exists`, [{ path: '/name', message: 'is already used by another schedule' }]);
