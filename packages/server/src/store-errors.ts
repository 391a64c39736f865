import { JobsError } from '@nself-jobs/runtime';

const UNAVAILABLE_SQLSTATE_CLASSES = new Set(['08', '53', '57']); // connection, resources, operator intervention
const POOL_MESSAGES = /pool after calling end|Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i;

/** True for errors that mean "PostgreSQL did not answer", as opposed to a bad query. */
export function isConnectivityError(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_SQLSTATE_CLASSES.has(code.slice(0, 2));
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return typeof message === 'string' && POOL_MESSAGES.test(message);
}

/** Runs a read of the record; PostgreSQL being unreachable becomes DATABASE_UNAVAILABLE (503), a bug stays a 500. */
export async function fromDatabase<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (isConnectivityError(error)) throw new JobsError('DATABASE_UNAVAILABLE', `the database did not answer: ${(error as Error).message}`);
    throw error;
  }
}

/** Runs a call to the queue backend with a deadline (a Redis client may otherwise queue commands forever). */
export async function fromBackend<T>(work: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  try {
    return await withTimeout(work(), timeoutMs);
  } catch (error) {
    throw new JobsError('BACKEND_UNAVAILABLE', `the queue backend did not answer: ${(error as Error).message}`);
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}
