import { createTransport } from 'nodemailer';
import type { SmtpSettings } from './settings.js';

export type SmtpTransport = ReturnType<typeof createSmtpTransport>;

/**
 * The one pooled SMTP transport of a worker process: up to `maxConnections` connections, reused
 * from job to job (each carries up to 100 messages, then is replaced), closed by teardown.
 * Messages may only carry the content the payload gives: no file paths, no URLs to fetch.
 */
export function createSmtpTransport(settings: SmtpSettings) {
  return createTransport({
    pool: true,
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.requireTls,
    auth: settings.auth,
    maxConnections: settings.maxConnections,
    maxMessages: 100,
    connectionTimeout: settings.connectionTimeoutMs,
    greetingTimeout: settings.greetingTimeoutMs,
    socketTimeout: settings.socketTimeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
}
