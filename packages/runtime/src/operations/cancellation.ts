import { UnrecoverableError } from 'bullmq';

/**
 * The reason handed to WorkerPool.cancel() when someone cancels a running job.
 * The worker's job runner recognises it and fails the attempt with JOB_CANCELLED, which
 * BullMQ never retries and the record keeps as `cancelled`. Other aborts (a worker
 * shutting down) keep their usual meaning: the job is retried.
 */
export const CANCEL_REASON = 'nself-jobs: cancelled by request';

export const CANCELLED_CODE = 'JOB_CANCELLED';

/** What a cancelled attempt fails with: unrecoverable, so BullMQ does not retry it. */
export function cancelledError(): UnrecoverableError {
  return Object.assign(new UnrecoverableError('cancelled by request'), { code: CANCELLED_CODE });
}

/** True for the error of an attempt cancelled by request (also after BullMQ stored it: its message). */
export function isCancellation(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === CANCELLED_CODE;
}

/** The failedReason BullMQ keeps for a job whose attempt was cancelled by request. */
export function isCancelledReason(failedReason: string | undefined | null): boolean {
  return failedReason === 'cancelled by request';
}
