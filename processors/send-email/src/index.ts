import { defineProcessor, type SetupContext } from '@nself-jobs/sdk';
import { EmailSender } from './email-sender.js';
import type { SendEmailPayload } from './payload.js';
import type { SendEmailResult } from './result.js';
import { describeRoute, settingsFromEnv } from './settings.js';

export type { SendEmailPayload, EmailAttachmentPayload, AddressList } from './payload.js';
export type { SendEmailResult } from './result.js';
export type { NotificationsEmailRequest } from './notifications-request.js';
export { ENV } from './settings.js';
export { LIMITS } from './limits.js';
export { EMAIL_REASONS } from './job-errors.js';

// Made by setup, once per worker process. A host that runs process() without setup gets an
// empty environment, hence the "not configured" failure, never a send to some default host.
let sender: EmailSender | undefined;

function setup(context: SetupContext): void {
  sender?.close();
  const settings = settingsFromEnv(context.env);
  sender = new EmailSender(settings);
  if (settings.problems.length > 0) {
    context.log.error(`send-email is misconfigured; every job will fail until it is fixed: ${settings.problems.join('; ')}`);
  } else if (settings.route === 'none') {
    context.log.warn('send-email: neither SMTP_HOST nor NOTIFICATIONS_API_URL is set; send-email jobs will fail');
  } else {
    context.log.info(`send-email sends through ${describeRoute(settings)}`);
  }
}

export default defineProcessor<SendEmailPayload, SendEmailResult>({
  type: 'send-email',
  setup,
  process: (context) => (sender ??= new EmailSender(settingsFromEnv({}))).send(context),
  teardown: () => {
    sender?.close();
    sender = undefined;
  },
});
