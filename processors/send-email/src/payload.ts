/** The job payload, as described by schemas/payload.schema.json. */
export type AddressList = string | string[];

export interface EmailAttachmentPayload {
  filename: string;
  /** The file's content: text as is (`utf8`, the default) or base64 (`base64`). */
  content: string;
  encoding?: 'base64' | 'utf8';
  contentType?: string;
}

export interface SendEmailPayload {
  to: AddressList;
  from?: string;
  subject: string;
  /** Plain-text body. */
  body?: string;
  /** HTML body. At least one of body / html is required. */
  html?: string;
  cc?: AddressList;
  bcc?: AddressList;
  replyTo?: string;
  headers?: Record<string, string>;
  attachments?: EmailAttachmentPayload[];
  /** Succeed when the server accepts some recipients and rejects others (default false: that fails the job). */
  allowPartialDelivery?: boolean;
}
