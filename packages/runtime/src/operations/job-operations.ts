import { cancelJob, type CancelOptions, type CancelOutcome } from './cancel-job.js';
import type { OperationDeps } from './operation-deps.js';
import { typePerformance, queueHistory, type QueueHistory, type StatsWindow, type TypePerformance } from './performance-stats.js';
import { promoteJob, type PromoteOutcome } from './promote-job.js';
import { backendQueueCounts, type BackendQueueCounts } from './queue-counts.js';
import { knownQueue, pauseQueue, resumeQueue, type QueueState } from './queue-control.js';
import { retryCandidates, type RetryCandidate, type RetryFilter } from './retry-candidates.js';
import { retryJob, type RetryOutcome } from './retry-job.js';
import { knownQueues } from '../producer/prepare-job.js';
import { backendReady } from './job-target.js';

/**
 * What operators do to jobs and queues, for the REST API and the CLI alike: retry, cancel,
 * promote, pause and resume, and the numbers `jobs stats` shows. Refusals are JobsErrors
 * (JOB_NOT_FOUND 404, JOB_CONFLICT 409, QUEUE_NOT_FOUND 404) with a message saying why.
 */
export class JobOperations {
  constructor(private readonly deps: OperationDeps) {}

  retry(id: string): Promise<RetryOutcome> {
    return retryJob(this.deps, id);
  }

  cancel(id: string, options?: CancelOptions): Promise<CancelOutcome> {
    return cancelJob(this.deps, id, options);
  }

  promote(id: string): Promise<PromoteOutcome> {
    return promoteJob(this.deps, id);
  }

  pause(queue: string): Promise<QueueState> {
    return pauseQueue(this.deps, queue);
  }

  resume(queue: string): Promise<QueueState> {
    return resumeQueue(this.deps, queue);
  }

  /** Failed jobs that `jobs retry` would put back, most recently failed first. */
  retryCandidates(filter: RetryFilter): Promise<RetryCandidate[]> {
    return retryCandidates(this.deps.pool, this.deps.quotedSchema, filter);
  }

  /** What the backend holds now, per queue (one queue when named: QUEUE_NOT_FOUND otherwise). */
  async queueCounts(queue?: string): Promise<Record<string, BackendQueueCounts>> {
    const names = queue === undefined ? knownQueues(this.deps.registry) : [knownQueue(this.deps, queue)];
    await backendReady(this.deps);
    const counts = await Promise.all(names.map((name) => backendQueueCounts(this.deps.queue(name))));
    return Object.fromEntries(names.map((name, i) => [name, counts[i]]));
  }

  queueHistory(window: StatsWindow): Promise<QueueHistory[]> {
    return queueHistory(this.deps.pool, this.deps.quotedSchema, window);
  }

  typePerformance(window: StatsWindow): Promise<TypePerformance[]> {
    return typePerformance(this.deps.pool, this.deps.quotedSchema, window);
  }
}
