import { PRIORITY_NAMES, type PriorityName } from '@nself-jobs/sdk';

/** The body of POST /api/jobs and the arguments of `jobs add`. */
export interface EnqueueRequest {
  type: string;
  queue?: string;
  payload?: unknown;
  options?: EnqueueOptions;
}

export interface EnqueueOptions {
  priority?: PriorityName;
  /** Retries after the first attempt: 0 means exactly one attempt. */
  maxRetries?: number;
  /** Milliseconds before the job may run. */
  delay?: number;
  /** Milliseconds one attempt may take before its AbortSignal fires and it fails. */
  timeout?: number;
  /** The same key twice returns the first job instead of creating a second one. */
  idempotencyKey?: string;
}

export interface OptionProblem {
  path: string;
  message: string;
}

const LIMITS = {
  maxRetries: { min: 0, max: 100 },
  delay: { min: 0, max: 365 * 24 * 3600 * 1000 },
  timeout: { min: 1, max: 24 * 3600 * 1000 },
} as const;

/**
 * Checks the options object by hand rather than with a schema so that each message
 * says what the option is for. Anything BullMQ would accept but we do not
 * (repeat, jobId, lifo, parent, removeOnComplete...) is refused by name.
 */
export function checkOptions(options: unknown): OptionProblem[] {
  if (options === undefined || options === null) return [];
  if (typeof options !== 'object' || Array.isArray(options)) {
    return [{ path: '/options', message: 'must be an object' }];
  }
  const problems: OptionProblem[] = [];
  for (const [key, value] of Object.entries(options)) {
    const path = `/options/${key}`;
    if (key === 'priority') {
      if (!PRIORITY_NAMES.includes(value as PriorityName)) {
        problems.push({ path, message: `must be one of ${PRIORITY_NAMES.join(', ')}` });
      }
    } else if (key === 'maxRetries' || key === 'delay' || key === 'timeout') {
      const { min, max } = LIMITS[key];
      if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
        problems.push({ path, message: `must be an integer from ${min} to ${max}` });
      }
    } else if (key === 'idempotencyKey') {
      if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
        problems.push({ path, message: 'must be a string of 1 to 200 characters' });
      }
    } else {
      problems.push({ path, message: `unknown option "${key}" (allowed: priority, maxRetries, delay, timeout, idempotencyKey)` });
    }
  }
  return problems;
}
