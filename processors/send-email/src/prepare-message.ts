import { describeRules, isDomainAllowed } from './allowed-domains.js';
import { checkAttachments, type CheckedAttachment } from './attachments.js';
import { describeControlCharacter, hasControlCharacter } from './control-characters.js';
import { checkHeaders } from './custom-headers.js';
import { EMAIL_REASONS, payloadError, permanentError } from './job-errors.js';
import { LIMITS } from './limits.js';
import { parseMailbox, type Mailbox } from './parse-address.js';
import type { AddressList, SendEmailPayload } from './payload.js';
import { ENV, type EmailSettings } from './settings.js';

/** A payload once every field is checked: what both transports send. */
export interface PreparedMessage {
  from?: Mailbox;
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  replyTo?: Mailbox;
  subject: string;
  text?: string;
  html?: string;
  headers: Record<string, string>;
  messageId?: string;
  attachments: CheckedAttachment[];
  allowPartialDelivery: boolean;
}

/**
 * Checks the whole payload before anything is sent, so a refused address or header never opens a
 * connection. The schema says most of this already; it is checked again because a job may reach
 * the processor without the runtime's validation (a job added straight to BullMQ).
 */
export function prepareMessage(payload: SendEmailPayload, settings: EmailSettings): PreparedMessage {
  if (typeof payload !== 'object' || payload === null) throw payloadError('the payload must be an object');

  const to = mailboxes(payload.to, 'to');
  if (to.length === 0) throw payloadError('payload.to must name at least one recipient');
  const cc = mailboxes(payload.cc, 'cc');
  const bcc = mailboxes(payload.bcc, 'bcc');
  const count = to.length + cc.length + bcc.length;
  if (count > LIMITS.recipients) throw payloadError(`the message has ${count} recipients (to, cc and bcc); at most ${LIMITS.recipients} are accepted`);
  if (settings.allowedDomains) checkAllowedDomains({ to, cc, bcc }, settings);

  const from = payload.from === undefined ? settings.defaultFrom : single(payload.from, 'from');
  const replyTo = payload.replyTo === undefined ? undefined : single(payload.replyTo, 'replyTo');

  const { subject, body, html } = payload;
  if (typeof subject !== 'string' || subject.length === 0) throw payloadError('payload.subject is required');
  if (hasControlCharacter(subject)) throw payloadError(`payload.subject contains a control character (${describeControlCharacter(subject)}): header injection is refused`);
  if (subject.length > LIMITS.subjectLength) throw payloadError(`payload.subject is longer than ${LIMITS.subjectLength} characters`);
  if (body === undefined && html === undefined) throw payloadError('payload needs a body (text) or html, or both');
  if (body !== undefined && typeof body !== 'string') throw payloadError('payload.body must be a string');
  if (html !== undefined && typeof html !== 'string') throw payloadError('payload.html must be a string');

  const { headers, messageId } = checkHeaders(payload.headers);
  return {
    from, to, cc, bcc, replyTo, subject, text: body, html, headers, messageId,
    attachments: checkAttachments(payload.attachments),
    allowPartialDelivery: payload.allowPartialDelivery === true,
  };
}

/** The sender, or the permanent failure that says how to get one. */
export function requireSender(message: PreparedMessage): Mailbox {
  if (message.from) return message.from;
  throw permanentError(
    EMAIL_REASONS.noSender,
    `the payload has no "from" and ${ENV.smtpFrom} is not set: set ${ENV.smtpFrom} (the default sender) in the worker environment, or give "from" in the payload`,
  );
}

/** Every envelope recipient: to, cc and bcc, in that order. */
export function recipientAddresses(message: PreparedMessage): string[] {
  return [...message.to, ...message.cc, ...message.bcc].map((mailbox) => mailbox.address);
}

function mailboxes(list: AddressList | undefined, key: 'to' | 'cc' | 'bcc'): Mailbox[] {
  if (list === undefined) return [];
  if (typeof list === 'string') return [parseMailbox(list, `payload.${key}`)];
  if (!Array.isArray(list)) throw payloadError(`payload.${key} must be an address or an array of addresses`);
  return list.map((entry, index) => parseMailbox(entry, `payload.${key}[${index}]`));
}

function single(entry: unknown, key: 'from' | 'replyTo'): Mailbox {
  if (typeof entry !== 'string') throw payloadError(`payload.${key} must be one address`);
  return parseMailbox(entry, `payload.${key}`);
}

function checkAllowedDomains(lists: Record<'to' | 'cc' | 'bcc', Mailbox[]>, settings: EmailSettings): void {
  const rules = settings.allowedDomains!;
  for (const [key, list] of Object.entries(lists)) {
    list.forEach((mailbox, index) => {
      if (!isDomainAllowed(mailbox.domain, rules)) {
        throw permanentError(
          EMAIL_REASONS.domainNotAllowed,
          `payload.${key}[${index}] ${mailbox.address} is refused: ${mailbox.domain} is not in ${ENV.allowedDomains} (${describeRules(rules)})`,
          { address: mailbox.address },
        );
      }
    });
  }
}
