import type { JobContext } from '@nself-jobs/sdk';
import { abortReason } from './abort-reason.js';
import { classifyServiceAnswer } from './classify-notifications-response.js';
import type { Delivery } from './delivery-outcome.js';
import { EMAIL_REASONS, retryableError } from './job-errors.js';
import { notificationsRequest } from './notifications-request.js';
import { recipientAddresses, type PreparedMessage } from './prepare-message.js';
import type { NotificationsSettings } from './settings.js';

/** The endpoint as it may appear in messages: no query string (it may carry a token). */
export function describeEndpoint(endpoint: URL): string {
  return `notifications service POST ${endpoint.protocol}//${endpoint.host}${endpoint.pathname}`;
}

/**
 * POSTs the message to the notifications service. The job id goes along as Idempotency-Key, the
 * same on every attempt, so a service that honours it can drop the copy a retry sends after an
 * answer got lost. Redirects are not followed: a moved endpoint is a configuration to fix.
 */
export async function sendViaNotifications(
  settings: NotificationsSettings,
  message: PreparedMessage,
  context: Pick<JobContext, 'id' | 'signal'>,
  userAgent: string,
): Promise<Delivery> {
  const where = describeEndpoint(settings.endpoint);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'user-agent': userAgent,
    'idempotency-key': context.id,
  };
  if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;

  const timeout = AbortSignal.timeout(settings.timeoutMs);
  const signal = AbortSignal.any([context.signal, timeout]);
  let status: number;
  let retryAfter: string | null;
  let body: unknown;
  try {
    const response = await fetch(settings.endpoint, {
      method: 'POST', headers, body: JSON.stringify(notificationsRequest(message)), redirect: 'manual', signal,
    });
    status = response.status;
    retryAfter = response.headers.get('retry-after');
    const text = await response.text();
    body = parseBody(text, response.headers.get('content-type'));
  } catch (error) {
    if (context.signal.aborted) throw abortReason(context.signal, where);
    if (timeout.aborted) {
      throw retryableError(EMAIL_REASONS.transportFailure, `${where} did not answer within ${settings.timeoutMs} ms; will retry`);
    }
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? cause.code : 'network error';
    const detail = typeof cause?.message === 'string' ? cause.message : (error as Error).message;
    throw retryableError(EMAIL_REASONS.transportFailure, `${where} could not be reached (${code}): ${detail}; will retry`, {}, error);
  }
  return classifyServiceAnswer({ status, retryAfter, body }, recipientAddresses(message), where);
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text.trim() === '') return null;
  if (contentType && /\bjson\b/i.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}
