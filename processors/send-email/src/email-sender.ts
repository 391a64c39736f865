import type { JobContext } from '@nself-jobs/sdk';
import { abortReason } from './abort-reason.js';
import { settleDelivery } from './delivery-outcome.js';
import { EMAIL_REASONS, permanentError } from './job-errors.js';
import { packageVersion } from './package-version.js';
import type { SendEmailPayload } from './payload.js';
import { prepareMessage } from './prepare-message.js';
import type { SendEmailResult } from './result.js';
import { describeEndpoint, sendViaNotifications } from './send-notifications.js';
import { sendViaSmtp } from './send-smtp.js';
import { ENV, type EmailSettings } from './settings.js';
import { createSmtpTransport, type SmtpTransport } from './smtp-transport.js';

/**
 * Everything one worker process needs to send mail: the settings read at setup and the pooled
 * SMTP transport, created on the first SMTP job and shared by all the jobs after it.
 */
export class EmailSender {
  private transport: SmtpTransport | undefined;
  private readonly userAgent = `nself-jobs-send-email/${packageVersion()}`;

  constructor(readonly settings: EmailSettings) {}

  /** One attempt of one job: check the configuration, check the payload, send, settle. */
  async send(context: JobContext<SendEmailPayload>): Promise<SendEmailResult> {
    const { settings } = this;
    assertConfigured(settings);
    const message = prepareMessage(context.payload, settings);
    if (context.signal.aborted) throw abortReason(context.signal, 'before sending');

    let delivery;
    let where: string;
    if (settings.route === 'smtp') {
      const smtp = settings.smtp!;
      where = `SMTP server ${smtp.host}:${smtp.port}`;
      this.transport ??= createSmtpTransport(smtp);
      delivery = await sendViaSmtp(this.transport, smtp, message, context);
    } else {
      where = describeEndpoint(settings.notifications!.endpoint);
      delivery = await sendViaNotifications(settings.notifications!, message, context, this.userAgent);
    }
    const result = settleDelivery(delivery, message.allowPartialDelivery, where, context.log);
    context.log.info('email sent', {
      transport: result.transport, messageId: result.messageId, accepted: result.accepted.length, rejected: result.rejected.length,
    });
    return result;
  }

  /** Closes the pooled connections (idle ones at once, busy ones once their message is done). */
  close(): void {
    this.transport?.close();
    this.transport = undefined;
  }
}

/**
 * No transport, or a bad setting: the job fails permanently with what to set. Never a fallback
 * to localhost or to the other transport — mail going somewhere unintended is worse than none.
 */
function assertConfigured(settings: EmailSettings): void {
  if (settings.problems.length > 0) {
    throw permanentError(EMAIL_REASONS.badConfig, `send-email is misconfigured: ${settings.problems.join('; ')}`, { problems: settings.problems });
  }
  if (settings.route === 'none') {
    throw permanentError(
      EMAIL_REASONS.notConfigured,
      `send-email has no way to send mail: neither ${ENV.smtpHost} nor ${ENV.notificationsUrl} is set. `
        + `Set ${ENV.smtpHost} (and ${ENV.smtpPort}, ${ENV.smtpUser}, ${ENV.smtpPassword}, ${ENV.smtpFrom}) to send over SMTP, `
        + `or ${ENV.notificationsUrl} to send through the notifications service, in the worker environment or .env`,
    );
  }
}
