import type { Queue } from 'bullmq';
import { backendCall } from './job-target.js';

/** What the backend holds for one queue right now. */
export interface BackendQueueCounts {
  /** Ready to run: BullMQ's `waiting` plus `prioritized` (every job of nself-jobs has a priority). */
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
  paused: boolean;
}

const STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;

export async function backendQueueCounts(queue: Queue, timeoutMs?: number): Promise<BackendQueueCounts> {
  const [counts, paused] = await backendCall(() => Promise.all([queue.getJobCounts(...STATES), queue.isPaused()]), timeoutMs);
  const n = (state: string) => Number(counts[state] ?? 0);
  return {
    waiting: n('waiting') + n('prioritized'),
    active: n('active'),
    delayed: n('delayed'),
    completed: n('completed'),
    failed: n('failed'),
    paused,
  };
}
