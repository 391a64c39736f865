import { PermanentJobError, RetryLaterError } from '@nself-jobs/sdk';
import type { GraphqlError } from './graphql-client.js';

/**
 * Hasura error codes (`extensions.code`) that say the request itself is wrong, or not allowed: sent
 * again unchanged it fails the same way, so the job fails at once. Every other code — `unexpected`
 * (an action handler that failed or could not be reached, an internal error), `postgres-error`,
 * `connection-error`, codes of your own, no code at all — is retried with the job's backoff.
 */
export const PERMANENT_CODES: ReadonlySet<string> = new Set([
  'validation-failed', // unknown field or argument, wrong variable type, role without permission
  'not-exists',
  'parse-failed',
  'bad-request',
  'not-supported',
  'invalid-params',
  'invalid-headers',
  'access-denied', // wrong or missing admin secret
  'permission-denied',
  'permission-error',
  'constraint-violation',
  'data-exception',
  'invalid-jwt',
  'jwt-invalid-claims',
  'jwt-missing-role-claims',
]);

const MAX_MESSAGE = 500;

export function errorCode(error: GraphqlError): string | undefined {
  const code = error?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}

/** "validation-failed: field 'x' not found in type: 'mutation_root'; unexpected: ..." (capped). */
export function describeErrors(errors: GraphqlError[]): string {
  const text = errors
    .map((error) => {
      const message = typeof error?.message === 'string' ? error.message : JSON.stringify(error?.message ?? error);
      const code = errorCode(error);
      return code ? `${code}: ${message}` : message;
    })
    .join('; ');
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/**
 * The error for a 200 response with `errors`: permanent when every error has a permanent code,
 * retried as soon as one has not (retrying costs one attempt; failing at once a job that would
 * have worked loses it). Carries `codes` and the `errors` themselves for the job record.
 */
export function graphqlErrorsError(what: string, errors: GraphqlError[]): Error {
  const codes = errors.map((e) => errorCode(e) ?? null);
  const permanent = codes.every((code) => code !== null && PERMANENT_CODES.has(code));
  const message = `${what}: Hasura answered with ${errors.length === 1 ? 'an error' : `${errors.length} errors`}: ${describeErrors(errors)}`;
  const error = permanent ? new PermanentJobError(message) : new RetryLaterError(`${message}; will retry`);
  return Object.assign(error, { codes, errors: errors.slice(0, 10) });
}

export function hasCode(errors: GraphqlError[], code: string): boolean {
  return errors.some((e) => errorCode(e) === code);
}
