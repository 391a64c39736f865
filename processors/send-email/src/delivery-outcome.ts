import type { JobLogger } from '@nself-jobs/sdk';
import { EMAIL_REASONS, permanentError, retryableError } from './job-errors.js';
import type { SendEmailResult } from './result.js';

export interface RejectedRecipient {
  address: string;
  /** The server's or the service's words, e.g. "550 5.1.1 no such user". */
  reason: string;
  /** A 4xx-style refusal: the same recipient may be accepted later. */
  temporary: boolean;
}

/** What a transport reports for a message it answered for. */
export interface Delivery {
  transport: SendEmailResult['transport'];
  messageId: string | null;
  accepted: string[];
  rejected: RejectedRecipient[];
  response: unknown;
}

const LISTED = 10;

export function describeRejected(rejected: readonly RejectedRecipient[]): string {
  const shown = rejected.slice(0, LISTED).map((r) => `${r.address} (${r.reason})`).join(', ');
  return rejected.length > LISTED ? `${shown} and ${rejected.length - LISTED} more` : shown;
}

/**
 * Nobody got the message. Retrying is safe (no one would get it twice) and worth it when the
 * refusals were temporary. With a permanent refusal among them the job can only end fully
 * delivered if partial delivery is allowed, so without that it fails now.
 */
export function allRejectedError(rejected: RejectedRecipient[], allowPartialDelivery: boolean, where: string): Error {
  const temporary = rejected.filter((r) => r.temporary).length;
  const message = `${where} refused every recipient: ${describeRejected(rejected)}`;
  const extra = { accepted: [], rejected: rejected.map((r) => r.address) };
  if (temporary === rejected.length || (temporary > 0 && allowPartialDelivery)) {
    return retryableError(EMAIL_REASONS.temporaryFailure, `${message}; will retry`, extra);
  }
  return permanentError(EMAIL_REASONS.rejected, message, extra);
}

/**
 * Turns a delivery into the job's result, or its failure when some recipients were refused.
 *
 * Partial delivery (some accepted, some refused) fails the job permanently unless the payload
 * says `allowPartialDelivery: true`: a job that reports success while a recipient never got the
 * message hides exactly what its record is for, and it is not retried because a retry would send
 * the message a second time to everyone who already has it. The error names both lists.
 */
export function settleDelivery(delivery: Delivery, allowPartialDelivery: boolean, where: string, log: JobLogger): SendEmailResult {
  const result: SendEmailResult = {
    messageId: delivery.messageId,
    accepted: delivery.accepted,
    rejected: delivery.rejected.map((r) => r.address),
    transport: delivery.transport,
    response: delivery.response,
  };
  if (delivery.rejected.length === 0) return result;
  if (delivery.accepted.length === 0) throw allRejectedError(delivery.rejected, allowPartialDelivery, where);

  const summary = `${where} accepted ${delivery.accepted.length} of ${delivery.accepted.length + delivery.rejected.length} recipients`
    + `${delivery.messageId ? ` (message ${delivery.messageId})` : ''} and refused ${describeRejected(delivery.rejected)}`;
  if (allowPartialDelivery) {
    log.warn(`${summary}; allowPartialDelivery is set, so the job succeeds`, { rejected: result.rejected });
    return result;
  }
  throw permanentError(
    EMAIL_REASONS.partiallyRejected,
    `${summary}; not retried, since a retry would send the message again to the accepted recipients `
      + '(set allowPartialDelivery: true in the payload to accept a partial delivery)',
    { accepted: result.accepted, rejected: result.rejected, messageId: delivery.messageId },
  );
}
