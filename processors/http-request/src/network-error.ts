/**
 * A connection-level failure (refused, reset, DNS, TLS...) as a plain Error: the runtime retries
 * plain errors with the processor's backoff, which is what a passing network problem needs.
 */
export const HTTP_NETWORK_ERROR_CODE = 'HTTP_NETWORK_ERROR';

interface SystemErrorLike {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

export function networkError(error: unknown, requestDescription: string): Error {
  const { code, message } = describeCause(error);
  return Object.assign(new Error(`HTTP request failed (${code}): ${requestDescription}: ${message}`, { cause: error }), {
    code: HTTP_NETWORK_ERROR_CODE,
    networkCode: code,
  });
}

/**
 * With autoSelectFamily node tries every resolved address and may report an AggregateError whose
 * own message is empty: the first attempt's error is the informative one then.
 */
function describeCause(error: unknown): { code: string; message: string } {
  const top = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SystemErrorLike;
  const inner = Array.isArray(top.errors) && top.errors.length > 0 ? (top.errors[0] as SystemErrorLike) : undefined;
  const code = [top.code, inner?.code].find((c): c is string => typeof c === 'string' && c.length > 0) ?? 'UNKNOWN';
  const message = [top.message, inner?.message].find((m): m is string => typeof m === 'string' && m.length > 0) ?? 'network error';
  return { code, message };
}
