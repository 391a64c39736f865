import type { JobsOptions } from 'bullmq';
import type { PriorityName } from '@nself-jobs/sdk';
import type { RuntimeConfig } from '../config/index.js';
import { PRIORITY_VALUES } from '../queues.js';

export interface BackendJobFields {
  id: string;
  priority: PriorityName;
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delay: number };
  delay: number;
}

/** The BullMQ options of a job of nself-jobs: one place, used by the producer and by reconcile. */
export function backendJobOptions(job: BackendJobFields, config: Pick<RuntimeConfig, 'cleanCompletedAfter' | 'cleanFailedAfter'>): JobsOptions {
  return {
    jobId: job.id,
    priority: PRIORITY_VALUES[job.priority],
    attempts: job.attempts,
    // Our own strategy names, so that the worker's backoffStrategy can honour a
    // processor's "retry after N ms" (BullMQ only asks it for unknown types).
    backoff: { type: `nself-${job.backoff.type}`, delay: job.backoff.delay },
    delay: job.delay > 0 ? job.delay : undefined,
    // Finished jobs stay in the backend as long as the record keeps them, so a
    // record write lost in a crash can be rebuilt from the backend.
    removeOnComplete: { age: Math.ceil(config.cleanCompletedAfter / 1000) },
    removeOnFail: { age: Math.ceil(config.cleanFailedAfter / 1000) },
  };
}
