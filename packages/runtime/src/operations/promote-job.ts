import { JobsError } from '../errors.js';
import { loadTarget } from './job-target.js';
import type { OperationDeps } from './operation-deps.js';
import { markPromoted } from './record-updates.js';

export interface PromoteOutcome {
  id: string;
  type: string;
  queue: string;
  status: 'waiting';
}

/** Makes a delayed job (a delay option, or a retry waiting out its backoff) due now; anything else is refused (409). */
export async function promoteJob(deps: OperationDeps, id: string): Promise<PromoteOutcome> {
  const { row, job, state } = await loadTarget(deps, id);
  if (state !== 'delayed' || !job) {
    const now = state === 'missing' ? row.status : state;
    throw new JobsError('JOB_CONFLICT', `job ${row.id} is ${now}; only delayed jobs can be promoted`, { id: row.id, status: row.status, backendState: state });
  }
  try {
    await job.promote();
  } catch (error) {
    throw new JobsError('JOB_CONFLICT', `job ${row.id} could not be promoted: ${(error as Error).message}`, { id: row.id });
  }
  await markPromoted(deps.pool, deps.quotedSchema, row.id);
  deps.log.info({ jobId: row.id, type: row.type, queue: row.queue }, 'delayed job promoted by request');
  return { id: row.id, type: row.type, queue: row.queue, status: 'waiting' };
}
