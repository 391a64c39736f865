import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { PermanentJobError, RetryLaterError } from '@nself-jobs/sdk';
import { describeRequest } from './describe-url.js';
import { parseRetryAfter } from './retry-after.js';

/** What a successful job returns (stored as the job's result). */
export interface HttpRequestResult {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: unknown;
  bodyTruncated: boolean;
  durationMs: number;
}

/** Response headers worth keeping in a result; the rest is noise in a job record. */
export const SELECTED_HEADERS = [
  'content-type', 'content-length', 'location', 'etag', 'last-modified', 'date', 'retry-after', 'x-request-id',
] as const;

/** Statuses that mean "try again later" whatever the payload says. */
const ALWAYS_RETRIED = new Set([408, 429]);
const MAX_BODY_IN_MESSAGE = 500;

export interface ResponseFacts {
  method: string;
  url: URL;
  retryOn: readonly number[];
  response: IncomingMessage;
  body: unknown;
  bodyTruncated: boolean;
  durationMs: number;
}

export function selectHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const selected: Record<string, string> = {};
  for (const name of SELECTED_HEADERS) {
    const value = headers[name];
    if (value !== undefined) selected[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return selected;
}

export function isRetryableStatus(status: number, retryOn: readonly number[]): boolean {
  return retryOn.includes(status) || status >= 500 || ALWAYS_RETRIED.has(status);
}

/**
 * Turns a response into the job's result or its failure: retryable statuses throw RetryLaterError
 * (honouring Retry-After), other 4xx throw PermanentJobError, 2xx and 3xx succeed (3xx because
 * redirects are deliberately not followed: the Location is in the result for the caller to act on).
 */
export function classifyResponse(facts: ResponseFacts): HttpRequestResult {
  const { response } = facts;
  const status = response.statusCode ?? 0;
  const statusText = response.statusMessage || STATUS_CODES[status] || '';
  const summary = `HTTP ${status}${statusText ? ` ${statusText}` : ''} from ${describeRequest(facts.method, facts.url)}`;

  if (isRetryableStatus(status, facts.retryOn)) {
    const retryAfterMs = parseRetryAfter(singleHeader(response.headers['retry-after']));
    throw Object.assign(new RetryLaterError(summary, { retryAfterMs }), { status });
  }
  if (status >= 400) {
    const excerpt = bodyExcerpt(facts.body);
    throw Object.assign(new PermanentJobError(excerpt ? `${summary}: ${excerpt}` : summary), { status });
  }
  return {
    status,
    statusText,
    headers: selectHeaders(response.headers),
    body: facts.body,
    bodyTruncated: facts.bodyTruncated,
    durationMs: facts.durationMs,
  };
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The server's explanation of a 4xx is usually the most useful part of the failure message. */
function bodyExcerpt(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_BODY_IN_MESSAGE ? `${flat.slice(0, MAX_BODY_IN_MESSAGE)}…` : flat;
}
