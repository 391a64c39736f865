import { JobsError } from '../errors.js';
import { FINAL_STATUSES } from '../record/job-snapshot.js';
import { publishCancel } from './cancel-channel.js';
import { isCancelledReason } from './cancellation.js';
import { backendCall, backendState, loadTarget, QUEUED_STATES } from './job-target.js';
import type { OperationDeps } from './operation-deps.js';
import { findOperationRow, markCancelled, type OperationRow } from './record-updates.js';

export interface CancelOutcome {
  id: string;
  type: string;
  queue: string;
  /** `cancelled`; or `active` when a running job had not stopped within the wait (the request stands). */
  status: 'cancelled' | 'active';
  /** How: removed from its queue before it ran, or stopped while running (its AbortSignal fired). */
  how: 'removed' | 'stopped' | 'requested';
}

export interface CancelOptions {
  /** How long to wait for a running job to stop before answering `active` (5000). */
  waitMs?: number;
}

const POLL_MS = 100;
const RENOTIFY_MS = 1000;

/**
 * Cancels a job that has not finished. A waiting or delayed job is removed from its queue and
 * recorded `cancelled`. A running one is locked by its worker and cannot be removed: the request
 * goes to the process holding it (see cancel-channel.ts), whose worker aborts the job's signal and
 * fails the attempt without retry; the record then says `cancelled`. Finished jobs are refused (409).
 */
export async function cancelJob(deps: OperationDeps, id: string, options: CancelOptions = {}): Promise<CancelOutcome> {
  const target = await loadTarget(deps, id);
  const { row } = target;
  refuseIfFinished(row);
  const deadline = Date.now() + (options.waitMs ?? 5000);
  let { job, state } = target;
  let notifiedAt = 0;
  let how: CancelOutcome['how'] = 'removed';
  for (;;) {
    if (state === 'missing') return finish(deps, row, how);
    if (QUEUED_STATES.has(state) && job) {
      const removed = await job.remove().then(() => true, () => false); // refused while a worker holds the lock
      if (removed) return finish(deps, row, how);
    } else if (state === 'active') {
      how = 'stopped';
      if (Date.now() - notifiedAt >= RENOTIFY_MS) {
        await publishCancel(deps.pool, { schema: deps.config.database.schema, queue: row.queue, id: row.backend_id ?? row.id });
        notifiedAt = Date.now();
      }
    } else if (state === 'failed' && await wasCancelled(deps, row)) {
      return finish(deps, row, 'stopped');
    } else {
      throw new JobsError('JOB_CONFLICT', `job ${row.id} ${state} before it could be cancelled`, { id: row.id, backendState: state });
    }
    if (Date.now() >= deadline) {
      if (state !== 'active') throw new JobsError('BACKEND_UNAVAILABLE', `the queue backend did not let job ${row.id} be removed (${state})`);
      deps.log.warn({ jobId: row.id, queue: row.queue }, 'cancel requested; the job is still running');
      return { id: row.id, type: row.type, queue: row.queue, status: 'active', how: 'requested' };
    }
    await sleep(POLL_MS);
    ({ job, state } = await backendState(deps, row));
  }
}

async function wasCancelled(deps: OperationDeps, row: OperationRow): Promise<boolean> {
  const job = await backendCall(() => deps.queue(row.queue).getJob(row.backend_id ?? row.id));
  return !job || isCancelledReason(job.failedReason);
}

function refuseIfFinished(row: OperationRow): void {
  if (!FINAL_STATUSES.includes(row.status)) return;
  throw new JobsError('JOB_CONFLICT', `job ${row.id} is already ${row.status}; only waiting, delayed or running jobs can be cancelled`,
    { id: row.id, status: row.status });
}

async function finish(deps: OperationDeps, row: OperationRow, how: CancelOutcome['how']): Promise<CancelOutcome> {
  if (!(await markCancelled(deps.pool, deps.quotedSchema, row.id))) {
    // The worker of a stopped job may have recorded it first; anything else finished on its own.
    const now = await findOperationRow(deps.pool, deps.quotedSchema, row.id);
    if (now?.status !== 'cancelled') {
      throw new JobsError('JOB_CONFLICT', `job ${row.id} ${now?.status ?? 'disappeared'} before it could be cancelled`, { id: row.id, status: now?.status });
    }
  }
  if (how === 'removed') deps.onCancelled?.(row); // a stopped job is counted by the worker that stopped it
  deps.log.info({ jobId: row.id, type: row.type, queue: row.queue, how }, 'job cancelled by request');
  return { id: row.id, type: row.type, queue: row.queue, status: 'cancelled', how };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
