import type { CleanableQueue } from './backend-queues.js';
import type { CleanupTarget } from './payload.js';

/** Jobs removed per `queue.clean` call. */
export const CLEAN_BATCH = 1000;

/** The BullMQ state each target cleans. Cancelled jobs have no state of their own in BullMQ. */
export const BACKEND_STATES: Readonly<Record<CleanupTarget, 'completed' | 'failed'>> = {
  completed_jobs: 'completed',
  failed_jobs: 'failed',
};

/**
 * Removes the queue's jobs that finished more than `graceMs` ago, CLEAN_BATCH at a time, until a
 * batch comes back short (BullMQ's own loop stops the same way), and returns how many went.
 * The signal is checked between batches, so a cancelled or timed-out job stops after the current one.
 */
export async function cleanQueue(
  queue: CleanableQueue,
  graceMs: number,
  target: CleanupTarget,
  signal: AbortSignal,
): Promise<number> {
  let removed = 0;
  for (;;) {
    signal.throwIfAborted();
    const ids = await queue.clean(graceMs, CLEAN_BATCH, BACKEND_STATES[target]);
    removed += ids.length;
    if (ids.length < CLEAN_BATCH) return removed;
  }
}
