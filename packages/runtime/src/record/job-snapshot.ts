import type { Job } from 'bullmq';
import type { PriorityName } from '@nself-jobs/sdk';
import { unwrapJobData } from '../job-envelope.js';
import { priorityName } from '../queues.js';
import { recordIdOf } from './record-id.js';

export type JobStatus = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'cancelled';
export const FINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/** The latest known state of one job, as the record wants it: a whole `jobs` row. */
export interface JobSnapshot {
  /** The record id: the BullMQ id for our jobs, a UUID derived from it for others. */
  id: string;
  /** The BullMQ job id. */
  backend_id: string;
  type: string;
  queue: string;
  status: JobStatus;
  priority: PriorityName;
  payload: unknown;
  attempts_made: number;
  max_attempts: number;
  timeout_ms: number | null;
  schedule_name: string | null;
  created_at: string;
  run_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  last_error: string | null;
  progress: unknown;
  /** Set for completed jobs: written to job_results in the same statement. */
  result?: { value: unknown; duration_ms: number | null };
}

export interface FailureRow {
  job_id: string;
  attempt_number: number;
  error_message: string;
  error_code: string | null;
  stack: string | null;
  failed_at: string;
}

const iso = (ms: number | undefined | null) => (ms ? new Date(ms).toISOString() : null);

/**
 * Builds the row from what BullMQ knows about the job. A job added straight to
 * BullMQ by other code has no envelope and no record yet: this row creates it.
 */
export function snapshotFromJob(job: Job, status: JobStatus, extra: Partial<JobSnapshot> = {}): JobSnapshot {
  const data = unwrapJobData(job.data);
  const attempts = job.opts.attempts ?? 1;
  const runAt = job.opts.delay ? job.timestamp + job.opts.delay : null;
  return {
    id: recordIdOf(job.queueName, String(job.id), job.timestamp),
    backend_id: String(job.id),
    type: job.name,
    queue: job.queueName,
    status,
    priority: data.priority ?? priorityName(job.opts.priority),
    payload: data.payload ?? null,
    attempts_made: job.attemptsMade,
    max_attempts: attempts,
    timeout_ms: data.timeout ?? null,
    schedule_name: data.scheduleName ?? null,
    created_at: iso(job.timestamp) ?? new Date().toISOString(),
    run_at: iso(runAt),
    started_at: iso(job.processedOn),
    completed_at: null,
    last_error: job.failedReason || null,
    progress: typeof job.progress === 'number' && job.progress === 0 ? null : job.progress ?? null,
    ...extra,
  };
}

/** Extracts what `job_failures` keeps of an error; the code survives UnrecoverableError wrapping. */
export function failureFromError(jobId: string, attemptNumber: number, error: Error): FailureRow {
  const code = (error as { code?: unknown }).code;
  return {
    job_id: jobId,
    attempt_number: attemptNumber,
    error_message: error.message || String(error),
    error_code: typeof code === 'string' ? code : null,
    stack: error.stack ?? null,
    failed_at: new Date().toISOString(),
  };
}
