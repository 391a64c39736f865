/** What a successful send-email job returns (stored as the job's result). */
export interface SendEmailResult {
  /** SMTP: the Message-ID header sent (`<...@...>`); notifications: the id the service returned, or null. */
  messageId: string | null;
  /** Recipient addresses (to, cc and bcc) the server or service took. */
  accepted: string[];
  /** Recipient addresses it refused; only ever non-empty with `allowPartialDelivery: true`. */
  rejected: string[];
  transport: 'smtp' | 'notifications';
  /** SMTP: the server's final reply line; notifications: the service's answer (parsed JSON, or text). */
  response: unknown;
}
