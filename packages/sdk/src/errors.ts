/**
 * Errors a processor throws to tell the runtime what to do with a failed attempt.
 *
 * The runtime recognises them by their `code`, never with `instanceof`: a plugin may
 * bundle its own copy of this SDK, and two copies of a class are two different classes.
 */

export const RETRY_LATER_CODE = 'JOB_RETRY_LATER';
export const PERMANENT_FAILURE_CODE = 'JOB_PERMANENT_FAILURE';
export const JOB_TIMEOUT_CODE = 'JOB_TIMEOUT';

/** The attempt failed for a passing reason: retry it, after `retryAfterMs` when given. */
export class RetryLaterError extends Error {
  readonly code = RETRY_LATER_CODE;
  readonly retryAfterMs?: number;

  constructor(message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RetryLaterError';
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The job can never succeed as it is (bad input, 4xx answer...): fail it now, without retries. */
export class PermanentJobError extends Error {
  readonly code = PERMANENT_FAILURE_CODE;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PermanentJobError';
  }
}

/** Raised by the runtime when an attempt outlives its timeout; retried like any passing failure. */
export class JobTimeoutError extends Error {
  readonly code = JOB_TIMEOUT_CODE;

  constructor(timeoutMs: number) {
    super(`job timed out after ${timeoutMs} ms`);
    this.name = 'JobTimeoutError';
  }
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

export function isPermanentJobError(error: unknown): boolean {
  return codeOf(error) === PERMANENT_FAILURE_CODE;
}

export function isRetryLaterError(error: unknown): error is { retryAfterMs?: number; message: string } {
  return codeOf(error) === RETRY_LATER_CODE;
}

export function isJobTimeoutError(error: unknown): boolean {
  return codeOf(error) === JOB_TIMEOUT_CODE;
}
