import type { ResolvedPayload } from './payload.js';

export interface PreparedRequest {
  headers: Record<string, string>;
  body?: Buffer;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/**
 * The headers and bytes to send. User headers go out as given; we only add what is missing.
 * A string body with a content-type header is the caller's own encoding (CSV, form, XML) and is
 * sent raw; anything else is JSON, including a string without content-type (it becomes "...").
 */
export function prepareRequest(payload: ResolvedPayload, userAgent: string): PreparedRequest {
  const headers = { ...payload.headers };
  if (!hasHeader(headers, 'user-agent')) headers['user-agent'] = userAgent;
  if (payload.body === undefined) return { headers };

  const raw = typeof payload.body === 'string' && hasHeader(headers, 'content-type');
  const body = Buffer.from(raw ? (payload.body as string) : JSON.stringify(payload.body), 'utf8');
  if (!raw && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
  // Without it node switches to chunked encoding, which some webhook receivers reject.
  if (!hasHeader(headers, 'content-length')) headers['content-length'] = String(body.length);
  return { headers, body };
}
