import type { PriorityName } from '@nself-jobs/sdk';

/**
 * What nself-jobs stores as a BullMQ job's data: the payload plus the options that
 * BullMQ has no field for. Jobs added straight to BullMQ carry the bare payload.
 */
export interface JobEnvelope {
  __nselfJobs: 1;
  payload: unknown;
  priority: PriorityName;
  timeout?: number;
  scheduleName?: string;
}

export interface UnwrappedJobData {
  payload: unknown;
  priority?: PriorityName;
  timeout?: number;
  scheduleName?: string;
}

export function wrapJobData(fields: Omit<JobEnvelope, '__nselfJobs'>): JobEnvelope {
  return { __nselfJobs: 1, ...fields };
}

export function isJobEnvelope(data: unknown): data is JobEnvelope {
  return typeof data === 'object' && data !== null && (data as { __nselfJobs?: unknown }).__nselfJobs === 1;
}

export function unwrapJobData(data: unknown): UnwrappedJobData {
  if (!isJobEnvelope(data)) return { payload: data };
  return { payload: data.payload, priority: data.priority, timeout: data.timeout, scheduleName: data.scheduleName };
}
