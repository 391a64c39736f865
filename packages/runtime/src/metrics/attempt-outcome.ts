import { UnrecoverableError, type Job } from 'bullmq';
import { isCancellation } from '../operations/cancellation.js';

/**
 * What a failed attempt means for its job, as BullMQ decides it (Job.shouldRetryJob):
 * `cancelled` (stopped by request, never retried), `failed` (no attempt left, or a permanent
 * error: a dead letter) or `retrying` (another attempt comes after the backoff).
 * attemptsMade already counts the attempt that failed.
 */
export function attemptOutcome(job: Job, error: Error): 'cancelled' | 'failed' | 'retrying' {
  if (isCancellation(error)) return 'cancelled';
  const unrecoverable = error instanceof UnrecoverableError || error.name === 'UnrecoverableError';
  return unrecoverable || job.attemptsMade >= (job.opts.attempts ?? 1) ? 'failed' : 'retrying';
}
