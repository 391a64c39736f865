/** Caps on one message; also stated in schemas/payload.schema.json and the README. */
export const LIMITS = {
  /** to + cc + bcc together. */
  recipients: 100,
  attachments: 20,
  /** Decoded bytes of all attachments together (10 MiB). */
  attachmentBytes: 10 * 1024 * 1024,
  headers: 50,
  headerValueLength: 998,
  subjectLength: 998,
} as const;
