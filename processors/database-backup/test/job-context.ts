import type { JobContext, JobLogger } from '@nself-jobs/sdk';
import processor from '../src/index.js';
import type { DatabaseBackupPayload, DatabaseBackupResult } from '../src/index.js';

export const quietLog: JobLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface ContextOptions {
  signal?: AbortSignal;
  /** Receives every progress report. */
  progress?: unknown[];
}

/** A real JobContext, as the runtime builds one for attempt 1 of 3. */
export function jobContext(payload: DatabaseBackupPayload, options: ContextOptions = {}): JobContext<DatabaseBackupPayload> {
  return {
    id: '00000000-0000-4000-8000-000000000002',
    type: 'database-backup',
    queue: 'low-priority',
    payload,
    attempt: 1,
    maxAttempts: 3,
    signal: options.signal ?? new AbortController().signal,
    progress: async (value) => { options.progress?.push(value); },
    log: quietLog,
  };
}

/** Runs setup (with `env`) then one attempt of the processor, the way a worker does. */
export async function runJob(
  payload: DatabaseBackupPayload,
  env: Record<string, string | undefined>,
  options: ContextOptions = {},
): Promise<DatabaseBackupResult> {
  await processor.setup?.({ env, log: quietLog });
  return processor.process(jobContext(payload, options));
}

/** Awaits a promise that must reject, and returns its error. */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection, got a result');
}
