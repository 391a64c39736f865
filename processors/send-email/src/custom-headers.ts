import { describeControlCharacter, hasControlCharacter } from './control-characters.js';
import { payloadError } from './job-errors.js';
import { LIMITS } from './limits.js';

/** RFC 5322 field name as an RFC 9110 token: printable ASCII without separators. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,76}$/;
const MESSAGE_ID = /^<[^<>\s@]{1,200}@[^<>\s@]{1,200}>$/;

/**
 * Headers a payload may not set: the ones nodemailer derives from the payload's own fields (a
 * `To` header saying one thing while the envelope says another is exactly the deception the
 * address checks refuse) and the MIME structure headers.
 */
export const RESERVED_HEADERS = new Set([
  'from', 'to', 'cc', 'bcc', 'reply-to', 'sender', 'subject', 'return-path',
  'content-type', 'content-transfer-encoding', 'content-disposition', 'mime-version',
]);

export interface CheckedHeaders {
  headers: Record<string, string>;
  /** A Message-ID given in the headers, taken out to be used as the message's id. */
  messageId?: string;
}

/** Checks the payload's extra headers; refuses (permanently) rather than cleans anything up. */
export function checkHeaders(headers: unknown): CheckedHeaders {
  if (headers === undefined) return { headers: {} };
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) throw payloadError('payload.headers must be an object of strings');
  const entries = Object.entries(headers as Record<string, unknown>);
  if (entries.length > LIMITS.headers) throw payloadError(`payload.headers has ${entries.length} headers; at most ${LIMITS.headers} are accepted`);

  const checked: CheckedHeaders = { headers: {} };
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) throw payloadError(`payload.headers: ${JSON.stringify(name.slice(0, 80))} is not a valid header name`);
    const field = `payload.headers["${name}"]`;
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) throw payloadError(`${field} may not be set through headers; use the payload's own fields`);
    if (typeof value !== 'string') throw payloadError(`${field} must be a string`);
    if (hasControlCharacter(value)) throw payloadError(`${field} contains a control character (${describeControlCharacter(value)}): header injection is refused`);
    if (value.length > LIMITS.headerValueLength) throw payloadError(`${field} is longer than ${LIMITS.headerValueLength} characters`);
    if (lower === 'message-id') {
      if (!MESSAGE_ID.test(value.trim())) throw payloadError(`${field} must look like <id@domain>`);
      checked.messageId = value.trim();
    } else {
      checked.headers[name] = value;
    }
  }
  return checked;
}
