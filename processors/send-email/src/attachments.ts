import { describeControlCharacter, hasControlCharacter } from './control-characters.js';
import { payloadError } from './job-errors.js';
import { LIMITS } from './limits.js';
import type { EmailAttachmentPayload } from './payload.js';

export interface CheckedAttachment {
  filename: string;
  /** As given (base64 with any line breaks removed). */
  content: string;
  encoding: 'base64' | 'utf8';
  contentType?: string;
  /** Decoded size in bytes. */
  size: number;
}

// Linear on purpose: a grouped pattern such as (?:[A-Za-z0-9+/]{4})* overflows V8's regex stack
// on a few MB, which would turn a valid large attachment into a crash.
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;
const MIME_TOKEN = "[A-Za-z0-9!#$&^_.+-]+";
const CONTENT_TYPE = new RegExp(`^${MIME_TOKEN}/${MIME_TOKEN}(?:\\s*;\\s*${MIME_TOKEN}=(?:${MIME_TOKEN}|"[^"\\\\]*"))*$`);

/**
 * Checks attachments: a real file name (no path, no control characters), valid base64 when it
 * says base64 (Buffer.from would silently drop bad characters and send a corrupt file), a plain
 * content type, and the count and total decoded size within LIMITS.
 */
export function checkAttachments(attachments: unknown): CheckedAttachment[] {
  if (attachments === undefined) return [];
  if (!Array.isArray(attachments)) throw payloadError('payload.attachments must be an array');
  if (attachments.length > LIMITS.attachments) throw payloadError(`payload.attachments has ${attachments.length} files; at most ${LIMITS.attachments} are accepted`);

  let total = 0;
  const checked = attachments.map((raw: unknown, index) => {
    const field = `payload.attachments[${index}]`;
    if (typeof raw !== 'object' || raw === null) throw payloadError(`${field} must be an object`);
    const attachment = raw as Partial<EmailAttachmentPayload>;
    const { filename, content, contentType } = attachment;
    const encoding = attachment.encoding ?? 'utf8';

    if (typeof filename !== 'string' || filename.trim() === '' || filename.length > 255) throw payloadError(`${field}.filename must be a file name of 1-255 characters`);
    if (hasControlCharacter(filename)) throw payloadError(`${field}.filename contains a control character (${describeControlCharacter(filename)})`);
    if (/[/\\]/.test(filename) || filename === '.' || filename === '..') throw payloadError(`${field}.filename must be a plain file name, without a path`);
    if (encoding !== 'utf8' && encoding !== 'base64') throw payloadError(`${field}.encoding must be "utf8" or "base64"`);
    if (typeof content !== 'string') throw payloadError(`${field}.content must be a string`);
    if (contentType !== undefined && (typeof contentType !== 'string' || contentType.length > 255 || !CONTENT_TYPE.test(contentType))) {
      throw payloadError(`${field}.contentType must be a media type such as application/pdf or text/plain; charset=utf-8`);
    }

    let body = content;
    let size: number;
    if (encoding === 'base64') {
      body = content.replace(/[\r\n\t ]+/g, '');
      if (body.length % 4 !== 0 || !BASE64_CHARS.test(body)) throw payloadError(`${field} (${JSON.stringify(filename)}) says base64 but its content is not valid base64`);
      size = Buffer.byteLength(body, 'base64');
    } else {
      size = Buffer.byteLength(body, 'utf8');
    }
    total += size;
    return { filename, content: body, encoding, contentType, size };
  });

  if (total > LIMITS.attachmentBytes) {
    throw payloadError(`payload.attachments add up to ${total} bytes; at most ${LIMITS.attachmentBytes} bytes (10 MiB) are accepted`);
  }
  return checked;
}
