import { PermanentJobError, RetryLaterError } from '@nself-jobs/sdk';
import { parseRetryAfter } from './retry-after.js';

/** One entry of a GraphQL response's `errors`, as Hasura sends them. */
export interface GraphqlError {
  message?: unknown;
  extensions?: { code?: unknown; path?: unknown; [key: string]: unknown };
  path?: unknown;
}

export interface GraphqlResponse {
  data?: Record<string, unknown> | null;
  errors?: GraphqlError[];
}

export interface GraphqlRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName: string;
}

export interface PostOptions {
  endpoint: URL;
  adminSecret: string;
  /** Extra headers: session variables, the job id. */
  headers: Record<string, string>;
  request: GraphqlRequest;
  timeoutMs: number;
  /** The job's signal: cancel, job timeout, worker shutdown. */
  signal: AbortSignal;
  /** "calling action createUser", for messages. */
  what: string;
}

export const HASURA_TIMEOUT_CODE = 'HASURA_TIMEOUT';
export const HASURA_NETWORK_ERROR_CODE = 'HASURA_NETWORK_ERROR';
const ALWAYS_RETRIED = new Set([408, 429]);
const MAX_EXCERPT = 500;

/**
 * POSTs one GraphQL request with the admin secret and returns the parsed answer of a 2xx response
 * (which may still hold `errors`: the caller decides). Network errors, the payload timeout, 5xx, 408
 * and 429 are retried; other statuses fail the job at once. The secret never appears in a message.
 */
export async function postGraphql(options: PostOptions): Promise<GraphqlResponse> {
  const { endpoint, what } = options;
  const where = describeEndpoint(endpoint);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  const failed = (error: unknown): Error => {
    if (options.signal.aborted) return options.signal.reason as Error;
    if (timeout.aborted) {
      return Object.assign(new Error(`${what}: no answer from Hasura at ${where} within ${options.timeoutMs} ms`, { cause: error }), {
        code: HASURA_TIMEOUT_CODE,
      });
    }
    const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
    const code = typeof cause?.code === 'string' ? cause.code : 'UNKNOWN';
    const message = typeof cause?.message === 'string' && cause.message ? cause.message : (error as Error)?.message;
    return Object.assign(new Error(`${what}: cannot reach Hasura at ${where} (${code}): ${message}`, { cause: error }), {
      code: HASURA_NETWORK_ERROR_CODE,
      networkCode: code,
    });
  };

  let response: Response;
  let text: string;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        accept: 'application/json',
        'x-hasura-admin-secret': options.adminSecret,
      },
      body: JSON.stringify(options.request),
      redirect: 'manual',
      signal,
    });
    text = await response.text();
  } catch (error) {
    throw failed(error);
  }

  const summary = `${what}: Hasura at ${where} answered HTTP ${response.status}`;
  if (response.status >= 500 || ALWAYS_RETRIED.has(response.status)) {
    throw Object.assign(new RetryLaterError(withExcerpt(summary, text), { retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) }), {
      status: response.status,
    });
  }
  if (response.status < 200 || response.status >= 300) {
    // 3xx included: redirects are not followed, a GraphQL endpoint does not redirect.
    throw Object.assign(new PermanentJobError(withExcerpt(`${summary} (check HASURA_GRAPHQL_ENDPOINT)`, text)), { status: response.status });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new PermanentJobError(withExcerpt(`${what}: Hasura at ${where} answered HTTP ${response.status} with something that is not JSON; is HASURA_GRAPHQL_ENDPOINT its /v1/graphql URL?`, text));
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PermanentJobError(withExcerpt(`${what}: Hasura at ${where} answered with JSON that is not a GraphQL response`, text));
  }
  return body as GraphqlResponse;
}

/** The endpoint for messages: no query string (it may hold tokens). */
export function describeEndpoint(endpoint: URL): string {
  return `${endpoint.origin}${endpoint.pathname}`;
}

function withExcerpt(message: string, text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return message;
  return `${message}: ${flat.length > MAX_EXCERPT ? `${flat.slice(0, MAX_EXCERPT)}…` : flat}`;
}
