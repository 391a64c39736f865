import type { JobContext } from '@nself-jobs/sdk';
import { smtpFailure, rejectedRecipient, type SmtpErrorLike } from './classify-smtp-error.js';
import type { Delivery } from './delivery-outcome.js';
import type { Mailbox } from './parse-address.js';
import { requireSender, type PreparedMessage } from './prepare-message.js';
import type { SmtpSettings } from './settings.js';
import type { SmtpTransport } from './smtp-transport.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A job enqueued through nself-jobs has a UUID id, the same on every attempt: `<id@sender-domain>`
 * as Message-ID lets receivers that deduplicate by Message-ID drop the copy a retry sends after a
 * lost reply. Other ids (jobs added straight to BullMQ, "1", "2"...) are not unique enough, so
 * nodemailer makes a random one for those.
 */
export function stableMessageId(jobId: string, sender: Mailbox): string | undefined {
  return UUID.test(jobId) ? `<${jobId.toLowerCase()}@${sender.domain}>` : undefined;
}

const toAddress = (mailbox: Mailbox) => ({ name: mailbox.name, address: mailbox.address });

/**
 * Sends one message through the pooled transport. The checked mailboxes go to nodemailer as
 * {name, address} objects, so nothing is parsed a second time; the Bcc header is not written
 * into the message (nodemailer's default), bcc recipients are only in the envelope.
 */
export async function sendViaSmtp(
  transport: SmtpTransport,
  settings: SmtpSettings,
  message: PreparedMessage,
  context: Pick<JobContext, 'id' | 'signal'>,
): Promise<Delivery> {
  const from = requireSender(message);
  const server = `${settings.host}:${settings.port}`;
  try {
    const info = await transport.sendMail({
      from: toAddress(from),
      to: message.to.map(toAddress),
      cc: message.cc.map(toAddress),
      bcc: message.bcc.map(toAddress),
      replyTo: message.replyTo ? toAddress(message.replyTo) : undefined,
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers: message.headers,
      messageId: message.messageId ?? stableMessageId(context.id, from),
      attachments: message.attachments.map((attachment) => ({
        filename: attachment.filename,
        content: attachment.content,
        ...(attachment.encoding === 'base64' ? { encoding: 'base64' } : {}),
        ...(attachment.contentType ? { contentType: attachment.contentType } : {}),
      })),
      signal: context.signal,
    });
    const rejectedErrors = (info.rejectedErrors ?? []) as SmtpErrorLike[];
    const rejected = (info.rejected ?? []).map((address) => {
      const error = rejectedErrors.find((e) => e.recipient === address);
      return error ? rejectedRecipient(error) : { address, reason: 'rejected', temporary: false };
    });
    return {
      transport: 'smtp',
      messageId: info.messageId ?? null,
      accepted: info.accepted ?? [],
      rejected,
      response: info.response ?? null,
    };
  } catch (error) {
    throw smtpFailure(error as SmtpErrorLike, server, context.signal, message.allowPartialDelivery);
  }
}
