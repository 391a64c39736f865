import { PermanentJobError } from '@nself-jobs/sdk';
import { isGraphqlName } from './graphql-names.js';
import { checkSelection } from './selection.js';

/** The job payload, as described by schemas/payload.schema.json. */
export interface CustomHasuraPayload {
  /** The Hasura action: a mutation field of the GraphQL schema. */
  action: string;
  /** The action's arguments, by name; passed as GraphQL variables. */
  data?: Record<string, unknown>;
  /** Session variables sent as headers, e.g. { "x-hasura-role": "user", "x-hasura-user-id": "42" }. */
  session?: Record<string, string>;
  /** Selection set for an action returning an object type; default: its scalar and enum fields. */
  selection?: string;
  /** Milliseconds the call may take. */
  timeout?: number;
}

export interface ResolvedPayload {
  action: string;
  data: Record<string, unknown>;
  session: Record<string, string>;
  selection: string | undefined;
  timeout: number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const MAX_TIMEOUT_MS = 600_000;
export const SESSION_HEADER = /^x-hasura-[a-z0-9_-]+$/;
/** Headers that carry credentials: those come from the worker's environment, never from a payload. */
const CREDENTIAL_HEADERS = new Set(['x-hasura-admin-secret', 'x-hasura-access-key']);
/** C0 controls and DEL: a header value with one could split the request. */
const hasControl = (value: string) => [...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/**
 * Applies the defaults and repeats the schema's checks: a processor may be run by code that skipped
 * validation, and these checks are what keep the payload from writing GraphQL or HTTP headers.
 */
export function resolvePayload(payload: CustomHasuraPayload): ResolvedPayload {
  if (typeof payload !== 'object' || payload === null) throw new PermanentJobError('payload must be an object');
  const { action, data = {}, session = {}, selection, timeout = DEFAULT_TIMEOUT_MS } = payload;
  if (!isGraphqlName(action)) {
    throw new PermanentJobError('payload.action must be a GraphQL name: letters, digits and "_", not starting with a digit or "__"');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new PermanentJobError('payload.data must be an object');
  for (const name of Object.keys(data)) {
    if (!isGraphqlName(name)) throw new PermanentJobError(`payload.data: ${JSON.stringify(name)} is not a GraphQL argument name`);
  }
  if (typeof session !== 'object' || session === null || Array.isArray(session)) throw new PermanentJobError('payload.session must be an object');
  for (const [name, value] of Object.entries(session)) {
    if (!SESSION_HEADER.test(name) || CREDENTIAL_HEADERS.has(name)) {
      throw new PermanentJobError(`payload.session: ${JSON.stringify(name)} is not a session variable (lower-case x-hasura-..., not the admin secret)`);
    }
    if (typeof value !== 'string' || value.length > 1000 || hasControl(value)) {
      throw new PermanentJobError(`payload.session.${name} must be a string of at most 1000 characters without control characters`);
    }
  }
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TIMEOUT_MS) {
    throw new PermanentJobError(`payload.timeout must be an integer from 1 to ${MAX_TIMEOUT_MS} (milliseconds)`);
  }
  if (selection !== undefined && typeof selection !== 'string') throw new PermanentJobError('payload.selection must be a string');
  return { action, data, session, selection: selection === undefined ? undefined : checkSelection(selection), timeout };
}
