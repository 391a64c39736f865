import { abortReason } from './abort-reason.js';
import { allRejectedError, type RejectedRecipient } from './delivery-outcome.js';
import { EMAIL_REASONS, permanentError, retryableError } from './job-errors.js';

/** The fields nodemailer puts on its errors (see nodemailer's NodemailerError). */
export interface SmtpErrorLike extends Error {
  code?: string;
  originalCode?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  permanent?: boolean;
  recipient?: string;
  rejected?: string[];
  rejectedErrors?: SmtpErrorLike[];
  timeoutType?: string;
}

/**
 * Codes without an SMTP reply that no retry can fix: bad configuration, missing credentials, a
 * message nodemailer itself refused to build. Everything else without a reply (ECONNECTION,
 * ESOCKET, ETIMEDOUT incl. greeting timeouts, EDNS, ETLS, EPROTOCOL...) is a passing problem.
 */
const PERMANENT_CODES = new Set(['ECONFIG', 'ENOAUTH', 'EFILEACCESS', 'EURLACCESS', 'EMAXRECIPIENTS', 'EREQUIRETLS']);

/** RFC 5321: 5yz is a permanent refusal, except 503 (bad sequence), which a new session may not meet. */
export function isPermanentReply(error: Pick<SmtpErrorLike, 'responseCode' | 'permanent'>): boolean {
  if (typeof error.permanent === 'boolean') return error.permanent;
  const code = error.responseCode ?? 0;
  return code >= 500 && code < 600 && code !== 503;
}

export function rejectedRecipient(error: SmtpErrorLike): RejectedRecipient {
  return {
    address: error.recipient ?? 'unknown',
    reason: (error.response ?? error.message).trim(),
    temporary: !isPermanentReply(error),
  };
}

/**
 * Maps a failed sendMail to the job's failure: a 4xx reply, a dropped connection or a timeout is
 * retried (RetryLaterError); a 5xx reply fails the job at once (PermanentJobError). `server` is
 * `host:port`, for the message.
 */
export function smtpFailure(error: SmtpErrorLike, server: string, signal: AbortSignal, allowPartialDelivery: boolean): Error {
  if (signal.aborted) return abortReason(signal, `SMTP ${server}`);
  const facts = { smtpCode: error.code, responseCode: error.responseCode, command: error.command };

  if (error.code === 'EENVELOPE' && error.command === 'RCPT TO' && error.rejectedErrors?.length) {
    return Object.assign(allRejectedError(error.rejectedErrors.map(rejectedRecipient), allowPartialDelivery, `SMTP server ${server}`), facts);
  }
  if (error.responseCode !== undefined) {
    const what = error.command ? ` to ${error.command}` : '';
    const reply = (error.response ?? error.message).trim();
    if (isPermanentReply(error)) {
      return permanentError(EMAIL_REASONS.rejected, `SMTP server ${server} answered${what} with a permanent error: ${reply}`, facts, error);
    }
    return retryableError(EMAIL_REASONS.temporaryFailure, `SMTP server ${server} answered${what} with a temporary error: ${reply}; will retry`, facts, error);
  }
  const code = [error.code, error.originalCode, error.timeoutType].filter(Boolean).join(', ') || 'unknown';
  if (error.code !== undefined && PERMANENT_CODES.has(error.code)) {
    return permanentError(EMAIL_REASONS.transportFailure, `SMTP sending to ${server} failed (${code}): ${error.message}`, facts, error);
  }
  return retryableError(EMAIL_REASONS.transportFailure, `SMTP connection to ${server} failed (${code}): ${error.message}; will retry`, facts, error);
}
