import { backendJobOptions } from '../backend/backend-job-options.js';
import { JobsError } from '../errors.js';
import { wrapJobData } from '../job-envelope.js';
import { isUuid } from '../record/record-id.js';
import { backendState, loadTarget, QUEUED_STATES } from './job-target.js';
import type { OperationDeps } from './operation-deps.js';
import { markRequeued, restoreRow, type OperationRow } from './record-updates.js';

export interface RetryOutcome {
  id: string;
  type: string;
  queue: string;
  status: 'waiting';
  /**
   * `retried`: the backend still held the failed job and runs it again, its attempts going on
   * from where they stopped (one more attempt). `recreated`: the backend no longer had it, so it
   * was queued again from the record with the same id, payload and options and fresh attempts.
   */
  outcome: 'retried' | 'recreated';
}

export const RETRYABLE_STATUSES = ['failed', 'cancelled'] as const;

/**
 * Puts a failed (or cancelled) job back into its queue. The record moves to `waiting` first,
 * guarded by the status it had, then the backend gets the job: workers' later events always
 * land after it, and the row goes back if the backend refuses.
 */
export async function retryJob(deps: OperationDeps, id: string): Promise<RetryOutcome> {
  const { row, job, state } = await loadTarget(deps, id);
  refuseUnlessRetryable(row);
  if (state === 'completed') {
    throw new JobsError('JOB_CONFLICT', `job ${row.id} is ${row.status} in the record but completed in the queue backend; `
      + 'run `jobs init` to reconcile the record instead of retrying', { id: row.id, status: row.status, backendState: state });
  }
  if (state === 'active' || QUEUED_STATES.has(state)) {
    throw new JobsError('JOB_CONFLICT', `job ${row.id} is already ${state} in the queue backend`, { id: row.id, status: row.status, backendState: state });
  }
  const outcome = job && state === 'failed' ? await retryInBackend(deps, row, () => job.retry('failed')) : await recreate(deps, row);
  deps.onRetried?.(row);
  deps.log.info({ jobId: row.id, type: row.type, queue: row.queue, outcome }, 'job retried by request');
  return { id: row.id, type: row.type, queue: row.queue, status: 'waiting', outcome };
}

function refuseUnlessRetryable(row: OperationRow): void {
  if ((RETRYABLE_STATUSES as readonly string[]).includes(row.status)) return;
  const why = row.status === 'completed'
    ? 'it completed successfully'
    : `it is still ${row.status}`;
  throw new JobsError('JOB_CONFLICT', `job ${row.id} cannot be retried: ${why} (only failed or cancelled jobs can be retried)`,
    { id: row.id, status: row.status });
}

async function retryInBackend(deps: OperationDeps, row: OperationRow, retry: () => Promise<void>): Promise<'retried'> {
  await claim(deps, row);
  try {
    await retry();
  } catch (error) {
    await restoreRow(deps.pool, deps.quotedSchema, row);
    const { state } = await backendState(deps, row).catch(() => ({ state: 'unknown' }));
    throw new JobsError('JOB_CONFLICT', `the queue backend refused to retry job ${row.id} (now ${state}): ${(error as Error).message}`,
      { id: row.id, backendState: state });
  }
  return 'retried';
}

/** The backend lost the job (retention, a flushed Redis): queue it again from the record. */
async function recreate(deps: OperationDeps, row: OperationRow): Promise<'recreated'> {
  // A job other code added with its own id ("42") is recreated under its record id, so
  // that the new BullMQ job maps onto the same row (recordIdOf of a UUID is that UUID).
  const backendId = row.backend_id && isUuid(row.backend_id) ? row.backend_id : row.id;
  const processor = deps.registry.get(row.type);
  await claim(deps, row, backendId);
  try {
    await deps.queue(row.queue).add(
      row.type,
      wrapJobData({ payload: row.payload, priority: row.priority, timeout: row.timeout_ms ?? undefined, scheduleName: row.schedule_name ?? undefined }),
      backendJobOptions({
        id: backendId, priority: row.priority, attempts: row.max_attempts, delay: 0,
        backoff: processor?.defaults.backoff ?? { type: 'exponential', delay: deps.config.retryDelay },
      }, deps.config),
    );
  } catch (error) {
    await restoreRow(deps.pool, deps.quotedSchema, row);
    throw new JobsError('BACKEND_UNAVAILABLE', `could not queue job ${row.id} again: ${(error as Error).message}`);
  }
  return 'recreated';
}

async function claim(deps: OperationDeps, row: OperationRow, recreatedAs?: string): Promise<void> {
  if (!(await markRequeued(deps.pool, deps.quotedSchema, row, recreatedAs))) {
    throw new JobsError('JOB_CONFLICT', `job ${row.id} changed while being retried (someone else retried it?); look at it again`, { id: row.id });
  }
}
