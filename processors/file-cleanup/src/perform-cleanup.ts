import pg from 'pg';
import { PermanentJobError, type JobContext } from '@nself-jobs/sdk';
import { cleanQueue } from './backend-cleanup.js';
import { backendError, recordError } from './cleanup-errors.js';
import type { CleanupConnections } from './connections.js';
import { resolvePayload, type FileCleanupPayload } from './payload.js';
import { cleanRecord, recordQueues, type RecordCleanup } from './record-cleanup.js';
import type { FileCleanupResult } from './result.js';
import type { CleanupSettings } from './settings.js';

/** Queues that exist from the start in every runtime. */
export const DEFAULT_QUEUES = ['default', 'high-priority', 'low-priority'] as const;

/**
 * One cleanup job. The backend goes first: the runtime's reconcile rebuilds record rows from
 * finished jobs it finds in the backend, so deleting the record first would let a reconcile
 * running in between bring the rows back. A failure stops the job and the retry starts over
 * (both sides are idempotent: what is gone stays gone).
 */
export async function performCleanup(
  context: JobContext<FileCleanupPayload>,
  settings: CleanupSettings,
  connections: CleanupConnections,
): Promise<FileCleanupResult> {
  if (settings.problems.length > 0) {
    throw new PermanentJobError(`file-cleanup is misconfigured: ${settings.problems.join('; ')}`);
  }
  const plan = resolvePayload(context.payload, settings.defaults);
  const { signal, log } = context;
  const quotedSchema = pg.escapeIdentifier(settings.schema);
  const pool = connections.pool();
  const backend = connections.backend();
  log.info('file-cleanup', { target: plan.target, olderThanMs: plan.olderThanMs, queue: plan.queue ?? null, backend: backend.kind });

  let queues: string[];
  if (plan.queue !== undefined) {
    queues = [plan.queue];
  } else {
    try {
      queues = [...new Set([...DEFAULT_QUEUES, ...(await recordQueues(pool, quotedSchema))])];
    } catch (error) {
      throw recordError(error, 'listing the queues of the record', settings.schema, settings.databaseAddress);
    }
  }

  const removed: Record<string, number> = {};
  for (const name of queues) {
    try {
      removed[name] = await cleanQueue(backend.queue(name), plan.olderThanMs, plan.target, signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw backendError(error, `cleaning the ${plan.target === 'completed_jobs' ? 'completed' : 'failed'} jobs of queue "${name}"`, backend.address);
    }
  }

  signal.throwIfAborted();
  let record: RecordCleanup;
  try {
    record = await cleanRecord(pool, quotedSchema, plan);
  } catch (error) {
    throw recordError(error, `deleting old ${plan.target} from the record`, settings.schema, settings.databaseAddress);
  }
  log.info('file-cleanup done', { target: plan.target, record: record.deleted, via: record.via, backend: removed });
  return { target: plan.target, olderThanMs: plan.olderThanMs, record, backend: removed };
}
