/** Just enough MIME reading for the tests to find an attachment in a raw message and decode it. */
export interface AttachmentPart {
  headers: string;
  content: Buffer;
}

function decodeQuotedPrintable(text: string): Buffer {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i += 1) {
    if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** The MIME part whose headers name `filename`, decoded per its Content-Transfer-Encoding. */
export function attachmentPart(raw: string, filename: string): AttachmentPart | undefined {
  const at = raw.search(new RegExp(`filename="?${filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?`));
  if (at < 0) return undefined;
  const start = raw.lastIndexOf('\r\n--', at);
  const headerEnd = raw.indexOf('\r\n\r\n', at);
  const bodyEnd = raw.indexOf('\r\n--', headerEnd);
  const headers = raw.slice(start, headerEnd);
  const body = raw.slice(headerEnd + 4, bodyEnd);
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  let content: Buffer;
  if (encoding === 'base64') content = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else if (encoding === 'quoted-printable') content = decodeQuotedPrintable(body);
  else content = Buffer.from(body, 'utf8');
  return { headers, content };
}
