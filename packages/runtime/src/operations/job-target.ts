import type { Job } from 'bullmq';
import { JobsError } from '../errors.js';
import { isUuid } from '../record/record-id.js';
import type { OperationDeps } from './operation-deps.js';
import { findOperationRow, type OperationRow } from './record-updates.js';

/** A job an operation acts on: its record row and, when the backend still holds it, the BullMQ job and its state. */
export interface JobTarget {
  row: OperationRow;
  job: Job | undefined;
  /** BullMQ's state ('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'...), or 'missing'. */
  state: string;
}

export const QUEUED_STATES = new Set(['waiting', 'prioritized', 'delayed', 'paused', 'waiting-children']);

/** Loads the job by record id: JOB_NOT_FOUND (404) when there is no row, OPTIONS_INVALID (400) for an id that is not a UUID. */
export async function loadTarget(deps: OperationDeps, id: string): Promise<JobTarget> {
  if (typeof id !== 'string' || !isUuid(id)) {
    throw new JobsError('OPTIONS_INVALID', `job id must be a UUID, got ${JSON.stringify(id)}`, [{ path: 'id', message: 'must be a UUID' }]);
  }
  const row = await findOperationRow(deps.pool, deps.quotedSchema, id.toLowerCase());
  if (!row) throw new JobsError('JOB_NOT_FOUND', `no job with id ${id}`, { id });
  const { job, state } = await backendState(deps, row);
  return { row, job, state };
}

export async function backendState(deps: OperationDeps, row: OperationRow): Promise<{ job: Job | undefined; state: string }> {
  await backendReady(deps);
  const job = await backendCall(() => deps.queue(row.queue).getJob(row.backend_id ?? row.id));
  if (!job) return { job: undefined, state: 'missing' };
  const state = await backendCall(() => job.getState());
  return { job, state: state === 'unknown' ? 'missing' : state };
}

/** A call to the queue backend; when it does not answer, BACKEND_UNAVAILABLE (503) rather than a hang. */
export async function backendCall<T>(work: () => Promise<T>, timeoutMs = 10000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); }),
    ]);
  } catch (error) {
    if (error instanceof JobsError) throw error;
    throw new JobsError('BACKEND_UNAVAILABLE', `the queue backend did not answer: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** BACKEND_UNAVAILABLE naming the backend's address when it is not connected (BullMQ would wait for it forever). */
export async function backendReady(deps: Pick<OperationDeps, 'ensureBackendReady'>): Promise<void> {
  try {
    await deps.ensureBackendReady();
  } catch (error) {
    throw new JobsError('BACKEND_UNAVAILABLE', (error as Error).message);
  }
}
