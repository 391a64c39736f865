import { PermanentJobError } from '@nself-jobs/sdk';

/** PostgreSQL error codes that mean "the record is not there": migrations were never run in that schema. */
const MISSING_RECORD_CODES = new Set(['3F000', '42P01', '42883']);

/**
 * A record query that failed: a missing schema, table or function fails the job at once (retrying
 * cannot create them); anything else (connection refused, lock timeout...) is a plain error, retried
 * with the job's backoff.
 */
export function recordError(error: unknown, what: string, schema: string, address: string): Error {
  const message = (error as Error)?.message ?? String(error);
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && MISSING_RECORD_CODES.has(code)) {
    return new PermanentJobError(
      `${what}: the job record is missing in schema "${schema}" of ${address} (${message}); ` +
        'run the runtime\'s migrations there (`jobs init`), or set JOBS_DB_SCHEMA to the schema that holds it',
      { cause: error },
    );
  }
  return Object.assign(new Error(`${what} in ${address} failed: ${message}`, { cause: error }), { code: 'CLEANUP_RECORD_FAILED' });
}

/**
 * A backend command that failed: retried, since a queue backend that is down usually comes back;
 * except BullMQ's "schema not migrated" on PostgreSQL, which only migrations fix.
 */
export function backendError(error: unknown, what: string, address: string): Error {
  const message = (error as Error)?.message ?? String(error);
  if ((error as Error)?.name === 'SchemaMigrationRequiredError') {
    return new PermanentJobError(
      `${what} on ${address} failed: BullMQ's tables are not there (${message}); start the runtime once (\`jobs init\`) to create them`,
      { cause: error },
    );
  }
  return Object.assign(new Error(`${what} on ${address} failed: ${message}`, { cause: error }), { code: 'CLEANUP_BACKEND_FAILED' });
}
