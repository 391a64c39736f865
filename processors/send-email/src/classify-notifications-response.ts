import type { Delivery, RejectedRecipient } from './delivery-outcome.js';
import { EMAIL_REASONS, permanentError, retryableError } from './job-errors.js';
import { parseRetryAfter } from './retry-after.js';

const MAX_BODY_IN_MESSAGE = 500;

export interface ServiceAnswer {
  status: number;
  retryAfter: string | null;
  /** Parsed JSON when the body is JSON, the text otherwise. */
  body: unknown;
}

/**
 * Reads the service's answer:
 * - 2xx: success, unless the body says `success: false` or lists `rejected` recipients;
 * - 408, 429, 5xx: retried (RetryLaterError, honouring Retry-After);
 * - anything else (4xx, an unexpected 1xx/3xx): the service refused the request, failed at once.
 */
export function classifyServiceAnswer(answer: ServiceAnswer, recipients: string[], where: string): Delivery {
  const { status, body } = answer;
  if (status === 408 || status === 429 || status >= 500) {
    throw retryableError(EMAIL_REASONS.temporaryFailure, `${where} answered HTTP ${status}${excerpt(body)}; will retry`, {
      status, retryAfterMs: parseRetryAfter(answer.retryAfter),
    });
  }
  if (status < 200 || status >= 300) {
    throw permanentError(EMAIL_REASONS.rejected, `${where} refused the email with HTTP ${status}${excerpt(body)}`, { status });
  }

  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  if (fields.success === false) {
    throw permanentError(EMAIL_REASONS.rejected, `${where} answered HTTP ${status} with success: false${excerpt(body)}`, { status });
  }
  const rejected = Array.isArray(fields.rejected) ? fields.rejected.map(rejectedEntry) : [];
  const refused = new Set(rejected.map((r) => r.address.toLowerCase()));
  const accepted = Array.isArray(fields.accepted)
    ? fields.accepted.map((entry) => (typeof entry === 'string' ? entry : JSON.stringify(entry)))
    : recipients.filter((address) => !refused.has(address.toLowerCase()));
  const id = fields.messageId ?? fields.id;
  return {
    transport: 'notifications',
    messageId: typeof id === 'string' || typeof id === 'number' ? String(id) : null,
    accepted,
    rejected,
    response: body,
  };
}

/**
 * A rejected entry: an address string, or `{ address | email, reason | error }`. The service's
 * refusals count as final: a service with a passing problem says so with a 5xx / 429 status.
 */
function rejectedEntry(entry: unknown): RejectedRecipient {
  if (typeof entry === 'string') return { address: entry, reason: 'rejected by the service', temporary: false };
  const fields = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
  const address = [fields.address, fields.email].find((v): v is string => typeof v === 'string') ?? JSON.stringify(entry);
  const reason = [fields.reason, fields.error, fields.message].find((v): v is string => typeof v === 'string') ?? 'rejected by the service';
  return { address, reason, temporary: false };
}

function excerpt(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body) ?? '';
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return '';
  return `: ${flat.length > MAX_BODY_IN_MESSAGE ? `${flat.slice(0, MAX_BODY_IN_MESSAGE)}…` : flat}`;
}
