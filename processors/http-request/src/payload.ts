import { PermanentJobError } from '@nself-jobs/sdk';

/** The job payload, as described by schemas/payload.schema.json. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD';

export interface HttpRequestPayload {
  url: string;
  method?: HttpMethod;
  headers?: Record<string, string>;
  body?: unknown;
  timeout?: number;
  retryOn?: number[];
  maxResponseBytes?: number;
}

export interface ResolvedPayload {
  url: URL;
  method: HttpMethod;
  headers: Record<string, string>;
  body: unknown;
  timeout: number;
  retryOn: readonly number[];
  maxResponseBytes: number;
}

// Repeated from the schema because the runtime may validate without applying ajv's `useDefaults`.
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

/**
 * Applies the schema defaults and parses the URL once. The schema already demands an http(s) URL;
 * the check is repeated because a processor may be run by code that skipped validation. The URL
 * itself stays out of the message: it may carry credentials.
 */
export function resolvePayload(payload: HttpRequestPayload): ResolvedPayload {
  let url: URL;
  try {
    url = new URL(payload.url);
  } catch {
    throw new PermanentJobError('payload.url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PermanentJobError(`payload.url must be http or https, not ${url.protocol.slice(0, -1)}`);
  }
  return {
    url,
    method: payload.method ?? 'GET',
    headers: payload.headers ?? {},
    body: payload.body,
    timeout: payload.timeout ?? DEFAULT_TIMEOUT_MS,
    retryOn: payload.retryOn ?? [],
    maxResponseBytes: payload.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
  };
}
