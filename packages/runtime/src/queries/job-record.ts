import type { JobStatus } from '../record/job-snapshot.js';

/** Every status a row of `jobs` can have, in lifecycle order. */
export const JOB_STATUSES: readonly JobStatus[] = ['waiting', 'delayed', 'active', 'completed', 'failed', 'cancelled'];

/** One row of `jobs`, as the read side returns it. */
export interface JobRecord {
  id: string;
  backend_id: string | null;
  type: string;
  queue: string;
  status: JobStatus;
  priority: string;
  payload: unknown;
  progress: unknown;
  attempts_made: number;
  max_attempts: number;
  timeout_ms: number | null;
  delay_ms: number | null;
  idempotency_key: string | null;
  schedule_name: string | null;
  created_at: Date;
  run_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  updated_at: Date;
  last_error: string | null;
}

/** A failed attempt, without its stack (stacks stay in the database for people at psql). */
export interface JobFailureRecord {
  attempt_number: number;
  error_message: string;
  error_code: string | null;
  /** ISO 8601, UTC, milliseconds: the same form a Date takes in JSON. */
  failed_at: string;
}

/** A job with its result (completed jobs) and its failed attempts, oldest first. */
export interface JobRecordDetail extends JobRecord {
  result: { result: unknown; duration_ms: number | null } | null;
  failures: JobFailureRecord[];
}

export interface JobTypeStats {
  type: string;
  total: number;
  completed: number;
  failed: number;
  /** failed / (completed + failed): jobs still queued or running do not dilute it; null before any finished. */
  failureRate: number | null;
  avgDurationMs: number | null;
  p95DurationMs: number | null;
}
