/** A server may ask for a long pause; beyond an hour the job's own backoff is the better judge. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * Parses a Retry-After header (RFC 9110: delay-seconds or an HTTP-date) into milliseconds,
 * capped at one hour. Returns undefined when absent or unreadable, so the normal backoff applies.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) {
    ms = Number(trimmed) * 1000;
  } else {
    // V8's Date.parse reads "-5" as a year: an HTTP-date always names its day and month.
    if (!/[a-z]/i.test(trimmed)) return undefined;
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    ms = Math.max(0, date - now);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
