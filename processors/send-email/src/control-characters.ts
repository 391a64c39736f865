/**
 * C0 and C1 control characters (CR and LF among them), DEL and the Unicode line / paragraph
 * separators. None of them belongs in an address, a subject or a header value: CR/LF there is
 * header injection, the others confuse whatever parses or displays the header next.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function hasControlCharacter(value: string): boolean {
  return CONTROL.test(value);
}

/** How a refused character is named in messages (never the surrounding value, which may be long). */
export function describeControlCharacter(value: string): string {
  const match = CONTROL.exec(value);
  if (!match) return 'none';
  const char = match[0];
  if (char === '\r') return 'CR';
  if (char === '\n') return 'LF';
  return `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}
