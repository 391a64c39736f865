import { StringDecoder } from 'node:string_decoder';

const JSON_TYPE = /^\s*(?:application|text)\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_TYPE.test(contentType);
}

/**
 * The body as the result carries it: parsed JSON when the server says it is JSON and it parses,
 * otherwise UTF-8 text. Truncated JSON is never parsed (half a document is not the document).
 */
export function decodeBody(bytes: Buffer, truncated: boolean, contentType: string | undefined): unknown {
  // write() without end() holds back an incomplete trailing character instead of emitting U+FFFD,
  // so a cut in the middle of a multi-byte character does not leave garbage at the end.
  const text = truncated ? new StringDecoder('utf8').write(bytes) : bytes.toString('utf8');
  if (truncated || !isJsonContentType(contentType) || text.trim() === '') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
