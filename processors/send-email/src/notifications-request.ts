import { formatMailbox } from './parse-address.js';
import type { PreparedMessage } from './prepare-message.js';

/**
 * The JSON body POSTed to `${NOTIFICATIONS_API_URL}/send` (the contract is in the README).
 * Addresses are canonical RFC 5322 mailbox strings, one per array element, already checked;
 * cc, bcc, headers and attachments are always present, empty when the payload has none.
 */
export interface NotificationsEmailRequest {
  to: string[];
  cc: string[];
  bcc: string[];
  from?: string;
  replyTo?: string;
  subject: string;
  text?: string;
  html?: string;
  headers: Record<string, string>;
  attachments: { filename: string; content: string; encoding: 'base64' | 'utf8'; contentType?: string }[];
}

export function notificationsRequest(message: PreparedMessage): NotificationsEmailRequest {
  return {
    to: message.to.map(formatMailbox),
    cc: message.cc.map(formatMailbox),
    bcc: message.bcc.map(formatMailbox),
    from: message.from ? formatMailbox(message.from) : undefined,
    replyTo: message.replyTo ? formatMailbox(message.replyTo) : undefined,
    subject: message.subject,
    text: message.text,
    html: message.html,
    headers: message.messageId ? { ...message.headers, 'Message-ID': message.messageId } : message.headers,
    attachments: message.attachments.map(({ filename, content, encoding, contentType }) => ({
      filename, content, encoding, ...(contentType ? { contentType } : {}),
    })),
  };
}
