/**
 * Errors of the runtime carry a stable `code`; the server turns them into HTTP
 * statuses and the CLI into messages and exit codes, only at those edges.
 */
export type JobsErrorCode =
  | 'UNKNOWN_TYPE'
  | 'PAYLOAD_INVALID'
  | 'OPTIONS_INVALID'
  | 'QUEUE_UNKNOWN'
  | 'JOB_NOT_FOUND'
  /** The job exists but is in a state where the operation makes no sense (retry a completed job...). */
  | 'JOB_CONFLICT'
  /** A queue named in a path (pause, resume) that no processor or default declares. */
  | 'QUEUE_NOT_FOUND'
  | 'BACKEND_UNAVAILABLE'
  | 'DATABASE_UNAVAILABLE'
  /** No schedule of that name (schedules). */
  | 'SCHEDULE_NOT_FOUND'
  /** A schedule of that name already exists (schedules). */
  | 'SCHEDULE_EXISTS';

export class JobsError extends Error {
  constructor(readonly code: JobsErrorCode, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'JobsError';
  }
}

export function isJobsError(error: unknown): error is JobsError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && error.name === 'JobsError';
}
