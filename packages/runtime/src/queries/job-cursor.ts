import { isUuid } from '../record/record-id.js';

/**
 * The position after one row in the newest-first listing of the record: its created_at in
 * microseconds since the epoch (PostgreSQL keeps microseconds; a JS Date would lose them and
 * make pages skip or repeat rows created in the same millisecond) and its id.
 */
export interface JobCursor {
  /** Microseconds since 1970-01-01 UTC, as a decimal string (beyond Number's exact range). */
  createdAtUs: string;
  id: string;
}

/** Opaque to clients: base64url of "<createdAtUs>:<id>". */
export function encodeJobCursor(cursor: JobCursor): string {
  return Buffer.from(`${cursor.createdAtUs}:${cursor.id}`, 'utf8').toString('base64url');
}

/** The cursor inside `value`, or undefined when it is not one this module made. */
export function decodeJobCursor(value: string): JobCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) return undefined;
  const text = Buffer.from(value, 'base64url').toString('utf8');
  const match = /^(-?\d{1,19}):([0-9a-fA-F-]{36})$/.exec(text);
  if (!match || !isUuid(match[2])) return undefined;
  return { createdAtUs: match[1], id: match[2].toLowerCase() };
}
