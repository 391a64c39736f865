import { JobsError } from '../errors.js';
import { knownQueues } from '../producer/prepare-job.js';
import { backendCall, backendReady } from './job-target.js';
import type { OperationDeps } from './operation-deps.js';

export interface QueueState {
  queue: string;
  paused: boolean;
}

/** The queue of that name, or QUEUE_NOT_FOUND (404) naming the known ones. */
export function knownQueue(deps: Pick<OperationDeps, 'registry'>, name: string): string {
  const known = knownQueues(deps.registry);
  if (!known.includes(name)) {
    throw new JobsError('QUEUE_NOT_FOUND', `unknown queue "${name}"; known queues: ${known.join(', ')}`, { queue: name, knownQueues: known });
  }
  return name;
}

/**
 * Pausing stops every worker of the queue, in every process, from taking new jobs (jobs
 * running now finish); jobs keep being accepted and wait. Both are idempotent.
 */
export async function pauseQueue(deps: OperationDeps, name: string): Promise<QueueState> {
  const queue = deps.queue(knownQueue(deps, name));
  await backendReady(deps);
  await backendCall(() => queue.pause());
  deps.log.info({ queue: name }, 'queue paused by request');
  return { queue: name, paused: true };
}

export async function resumeQueue(deps: OperationDeps, name: string): Promise<QueueState> {
  const queue = deps.queue(knownQueue(deps, name));
  await backendReady(deps);
  await backendCall(() => queue.resume());
  deps.log.info({ queue: name }, 'queue resumed by request');
  return { queue: name, paused: false };
}
