import type { JobContext, JobLogger } from '@nself-jobs/sdk';
import processor from '../src/index.js';
import type { CustomHasuraPayload, CustomHasuraResult } from '../src/index.js';

export const quietLog: JobLogger = { debug() {}, info() {}, warn() {}, error() {} };

export const JOB_ID = '0b6f7c1e-4a2d-4e8f-9b3c-5d7e9f1a2b3c';

/** A real JobContext, as the runtime builds one for attempt 1 of 3. */
export function jobContext(payload: CustomHasuraPayload, signal: AbortSignal = new AbortController().signal): JobContext<CustomHasuraPayload> {
  return {
    id: JOB_ID,
    type: 'custom',
    queue: 'default',
    payload,
    attempt: 1,
    maxAttempts: 3,
    signal,
    progress: async () => {},
    log: quietLog,
  };
}

/** Runs setup (with `env`) then one attempt of the processor, the way a worker does. */
export async function runJob(
  payload: CustomHasuraPayload,
  options: { env?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<CustomHasuraResult> {
  await processor.setup?.({ env: options.env ?? {}, log: quietLog });
  return processor.process(jobContext(payload, options.signal));
}

/** Awaits a promise that must reject, and returns its error together with how long it took. */
export async function rejection(promise: Promise<unknown>): Promise<{ error: Error & Record<string, unknown>; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error: error as Error & Record<string, unknown>, ms: Date.now() - started };
  }
  throw new Error('expected a rejection, got a result');
}
