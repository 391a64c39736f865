import type { JobContext, JobLogger } from '@nself-jobs/sdk';
import processor from '../src/index.js';
import type { FileCleanupPayload, FileCleanupResult } from '../src/index.js';

export const quietLog: JobLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** A real JobContext, as the runtime builds one for attempt 1 of 3. */
export function jobContext(payload: FileCleanupPayload, signal: AbortSignal = new AbortController().signal): JobContext<FileCleanupPayload> {
  return {
    id: '00000000-0000-4000-8000-0000000000fc',
    type: 'file-cleanup',
    queue: 'low-priority',
    payload,
    attempt: 1,
    maxAttempts: 3,
    signal,
    progress: async () => {},
    log: quietLog,
  };
}

/**
 * Runs setup (with `env`), one attempt of the processor, then teardown, the way a worker that
 * runs one job and stops does: every test starts from fresh connections.
 */
export async function runJob(
  payload: FileCleanupPayload,
  options: { env?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<FileCleanupResult> {
  await processor.setup?.({ env: options.env ?? {}, log: quietLog });
  try {
    return await processor.process(jobContext(payload, options.signal));
  } finally {
    await processor.teardown?.();
  }
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
