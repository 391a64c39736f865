import { PermanentJobError, RetryLaterError } from '@nself-jobs/sdk';

/**
 * Stable reasons carried as `reason` on the errors this processor throws (the SDK errors' own
 * `code` is what the runtime keys on, so the detail goes in a separate property).
 */
export const EMAIL_REASONS = {
  notConfigured: 'EMAIL_NOT_CONFIGURED',
  badConfig: 'EMAIL_BAD_CONFIG',
  noSender: 'EMAIL_NO_SENDER',
  badPayload: 'EMAIL_BAD_PAYLOAD',
  badAddress: 'EMAIL_BAD_ADDRESS',
  domainNotAllowed: 'EMAIL_DOMAIN_NOT_ALLOWED',
  rejected: 'EMAIL_REJECTED',
  partiallyRejected: 'EMAIL_PARTIALLY_REJECTED',
  temporaryFailure: 'EMAIL_TEMPORARY_FAILURE',
  transportFailure: 'EMAIL_TRANSPORT_FAILURE',
} as const;

export type EmailReason = (typeof EMAIL_REASONS)[keyof typeof EMAIL_REASONS];

/** A PermanentJobError with a `reason` and any extra facts (recipients, SMTP reply...). */
export function permanentError(
  reason: EmailReason,
  message: string,
  extra: Record<string, unknown> = {},
  cause?: unknown,
): PermanentJobError & { reason: EmailReason } {
  return Object.assign(new PermanentJobError(message, { cause }), { reason, ...extra });
}

/** A RetryLaterError with a `reason` and any extra facts. */
export function retryableError(
  reason: EmailReason,
  message: string,
  extra: Record<string, unknown> & { retryAfterMs?: number } = {},
  cause?: unknown,
): RetryLaterError & { reason: EmailReason } {
  const { retryAfterMs, ...rest } = extra;
  return Object.assign(new RetryLaterError(message, { retryAfterMs, cause }), { reason, ...rest });
}

/** A refused payload field: always permanent, the same payload would be refused again. */
export function payloadError(message: string, extra: Record<string, unknown> = {}): PermanentJobError {
  return permanentError(EMAIL_REASONS.badPayload, message, extra);
}
