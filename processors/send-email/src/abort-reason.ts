/**
 * The error an attempt fails with once `signal` fired. The runtime aborts with a reason that
 * already says why (its JobTimeoutError, recognised by `code`): that is passed through unchanged.
 * A bare abort() gives a DOMException that says nothing about the email, so that one is wrapped.
 */
export const EMAIL_ABORTED_CODE = 'EMAIL_ABORTED';

export function abortReason(signal: AbortSignal, description: string): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason;
  return Object.assign(new Error(`email sending aborted: ${description}`, { cause: reason }), { code: EMAIL_ABORTED_CODE });
}
