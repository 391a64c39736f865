/**
 * Local wall time <-> instant in an IANA time zone, with nothing but Intl.
 *
 * A "wall time" here is a local date and time encoded as if it were UTC (Date.UTC(y, m, d, h, mi, s)),
 * so that cron fields can be matched on it with plain UTC arithmetic.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', era: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Null when valid, otherwise why not (Intl refuses names it does not know). */
export function timeZoneProblem(timeZone: unknown): string | null {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') return 'must be an IANA time zone name such as "UTC" or "Europe/Paris"';
  try {
    formatter(timeZone);
    return null;
  } catch {
    return `unknown time zone "${timeZone}": use an IANA name such as "UTC", "America/New_York" or "Europe/Paris"`;
  }
}

/** The local wall time of an instant (whole seconds), encoded as UTC milliseconds. */
export function wallTimeOf(timeZone: string, instant: number): number {
  const fields: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) fields[part.type] = part.value;
  const year = fields.era === 'BC' || fields.era === 'B' ? 1 - Number(fields.year) : Number(fields.year);
  const wall = Date.UTC(year, Number(fields.month) - 1, Number(fields.day), Number(fields.hour), Number(fields.minute), Number(fields.second));
  return wall + (((instant % 1000) + 1000) % 1000);
}

/** Local time minus UTC at that instant, in milliseconds (e.g. -18000000 for New York in winter). */
export function offsetAt(timeZone: string, instant: number): number {
  return wallTimeOf(timeZone, instant) - instant;
}

/** What a local wall time is in a time zone: one instant, two (clocks went back), or none (clocks went forward). */
export type ResolvedWallTime =
  | { kind: 'single'; at: number }
  | { kind: 'repeated'; first: number; second: number }
  /** `after` is the first instant after the gap: the moment the clocks jumped. */
  | { kind: 'skipped'; after: number };

// Every instant whose local time is `wall` lies within [wall - 14 h, wall + 12 h] (the extreme offsets);
// the offsets on either side of that window are the only candidates (at most one transition in 28 h).
const BEFORE_MS = 15 * 3600_000;
const AFTER_MS = 13 * 3600_000;

export function resolveWallTime(timeZone: string, wall: number): ResolvedWallTime {
  const offsetBefore = offsetAt(timeZone, wall - BEFORE_MS);
  const offsetAfter = offsetAt(timeZone, wall + AFTER_MS);
  const valid = [...new Set([offsetBefore, offsetAfter])]
    .map((offset) => wall - offset)
    .filter((at) => wallTimeOf(timeZone, at) === wall)
    .sort((a, b) => a - b);
  if (valid.length === 1) return { kind: 'single', at: valid[0] };
  if (valid.length === 2) return { kind: 'repeated', first: valid[0], second: valid[1] };
  // A gap: before it the zone was at offsetBefore, after it at offsetAfter (larger).
  // The jump lies between the two readings of `wall`; find it to the second.
  let low = wall - offsetAfter; // still before the jump
  let high = wall - offsetBefore; // already after it
  if (!(low < high)) return { kind: 'single', at: wall - offsetAfter }; // cannot happen with one transition; stay defined
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2000) * 1000;
    if (offsetAt(timeZone, middle) === offsetBefore) low = middle;
    else high = middle;
  }
  return { kind: 'skipped', after: high };
}

const displayFormatters = new Map<string, Intl.DateTimeFormat>();

/** "2026-03-08 03:00:00 EDT": an instant as people in that zone read it (for the CLI and logs). */
export function formatLocalTime(instant: Date | string, timeZone: string): string {
  let format = displayFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', timeZoneName: 'short',
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    displayFormatters.set(timeZone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(new Date(instant))) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}
