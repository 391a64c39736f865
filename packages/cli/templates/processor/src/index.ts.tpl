import { defineProcessor, PermanentJobError } from '@nself-jobs/sdk';

/** The payload, as schemas/payload.schema.json describes it (already validated when `process` runs). */
export interface {{typeName}}Payload {
  name: string;
}

/** What a completed job records as its result (any JSON value). */
export interface {{typeName}}Result {
  message: string;
}

export default defineProcessor<{{typeName}}Payload, {{typeName}}Result>({
  // Must match "type" in package.json nselfJobs.processors.
  type: '{{type}}',

  // Optional: runs once per worker process before the first job of this type (open clients here).
  // setup({ env, log }) {},

  async process({ payload, signal, attempt, log }) {
    // Stop when the signal fires (timeout, cancellation, worker shutdown).
    signal.throwIfAborted();
    // A PermanentJobError fails the job without retries; a RetryLaterError asks for a retry after N ms;
    // any other error is retried with the type's backoff.
    if (payload.name.trim() === '') throw new PermanentJobError('name is blank');
    log.info('greeting', { name: payload.name, attempt });
    return { message: `Hello, ${payload.name}!` };
  },

  // Optional: runs when the worker stops (close clients here).
  // teardown() {},
});
