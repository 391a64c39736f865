import type { JobContext, JobLogger } from '@nself-jobs/sdk';
import processor from '../src/index.js';
import type { SendEmailPayload, SendEmailResult } from '../src/index.js';

export const quietLog: JobLogger = { debug() {}, info() {}, warn() {}, error() {} };

export const JOB_ID = '6f1c2a4e-3b5d-4c7e-8f90-1a2b3c4d5e6f';

/** A logger that keeps what it was told, for tests that check warnings. */
export function recordingLog(): JobLogger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => { lines.push({ level, message, fields }); };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A real JobContext, as the runtime builds one for attempt 1 of 3. */
export function jobContext(
  payload: SendEmailPayload,
  options: { signal?: AbortSignal; log?: JobLogger; id?: string } = {},
): JobContext<SendEmailPayload> {
  return {
    id: options.id ?? JOB_ID,
    type: 'send-email',
    queue: 'default',
    payload,
    attempt: 1,
    maxAttempts: 3,
    signal: options.signal ?? new AbortController().signal,
    progress: async () => {},
    log: options.log ?? quietLog,
  };
}

/** Runs setup (with `env`) then one attempt of the processor, the way a worker does. */
export async function runJob(
  payload: SendEmailPayload,
  options: { env?: Record<string, string>; signal?: AbortSignal; log?: JobLogger; id?: string } = {},
): Promise<SendEmailResult> {
  await processor.setup?.({ env: options.env ?? {}, log: quietLog });
  return processor.process(jobContext(payload, options));
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
