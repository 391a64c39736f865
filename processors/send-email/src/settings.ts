import { hasControlCharacter } from './control-characters.js';
import { ALLOWED_DOMAINS_ENV, parseAllowedDomains, type DomainRule } from './allowed-domains.js';
import { parseMailbox, type Mailbox } from './parse-address.js';

/** Environment variables this processor reads (worker environment or the runtime's .env). */
export const ENV = {
  smtpHost: 'SMTP_HOST',
  smtpPort: 'SMTP_PORT',
  smtpSecure: 'SMTP_SECURE',
  smtpRequireTls: 'SMTP_REQUIRE_TLS',
  smtpUser: 'SMTP_USER',
  smtpPassword: 'SMTP_PASSWORD',
  smtpFrom: 'SMTP_FROM',
  notificationsUrl: 'NOTIFICATIONS_API_URL',
  notificationsKey: 'NOTIFICATIONS_API_KEY',
  allowedDomains: ALLOWED_DOMAINS_ENV,
} as const;

export const DEFAULT_SMTP_PORT = 587;

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  /** Refuse to send unless the connection is upgraded with STARTTLS. */
  requireTls: boolean;
  auth?: { user: string; pass: string };
  connectionTimeoutMs: number;
  greetingTimeoutMs: number;
  socketTimeoutMs: number;
  maxConnections: number;
}

export interface NotificationsSettings {
  /** `${NOTIFICATIONS_API_URL}/send` */
  endpoint: URL;
  apiKey?: string;
  timeoutMs: number;
}

/** What setup decides once per worker process. */
export interface EmailSettings {
  route: 'smtp' | 'notifications' | 'none';
  smtp?: SmtpSettings;
  notifications?: NotificationsSettings;
  /** SMTP_FROM, used when a payload has no `from`. */
  defaultFrom?: Mailbox;
  /** JOBS_EMAIL_ALLOWED_DOMAINS; undefined means any recipient domain. */
  allowedDomains?: DomainRule[];
  /** Configuration mistakes: while there are any, every job fails permanently with them. */
  problems: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the configuration once. Nothing here throws: a bad value becomes a `problem` that each job
 * reports as a permanent failure, since a worker's environment does not change until it restarts.
 * NOTIFICATIONS_API_URL wins over SMTP_HOST when both are set.
 */
export function settingsFromEnv(env: Env): EmailSettings {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };

  const allowed = parseAllowedDomains(env[ENV.allowedDomains]);
  problems.push(...allowed.problems);

  let defaultFrom: Mailbox | undefined;
  const from = value(ENV.smtpFrom);
  if (from !== undefined) {
    try {
      defaultFrom = parseMailbox(from, ENV.smtpFrom);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }

  const settings: EmailSettings = { route: 'none', defaultFrom, allowedDomains: allowed.rules, problems };
  if (value(ENV.notificationsUrl) !== undefined) {
    settings.route = 'notifications';
    settings.notifications = notificationsSettings(value(ENV.notificationsUrl)!, value(ENV.notificationsKey), problems);
  } else if (value(ENV.smtpHost) !== undefined) {
    settings.route = 'smtp';
    settings.smtp = smtpSettings(value, env, problems);
  }
  return settings;
}

function notificationsSettings(raw: string, apiKey: string | undefined, problems: string[]): NotificationsSettings | undefined {
  let endpoint: URL;
  try {
    endpoint = new URL(raw);
  } catch {
    problems.push(`${ENV.notificationsUrl} is not a valid URL`);
    return undefined;
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
    problems.push(`${ENV.notificationsUrl} must be an http:// or https:// URL, not ${endpoint.protocol}`);
    return undefined;
  }
  if (endpoint.username || endpoint.password) {
    problems.push(`${ENV.notificationsUrl} must not contain user:password; put the token in ${ENV.notificationsKey}`);
    return undefined;
  }
  endpoint.pathname = `${endpoint.pathname.replace(/\/+$/, '')}/send`;
  if (apiKey !== undefined && hasControlCharacter(apiKey)) {
    problems.push(`${ENV.notificationsKey} contains a control character`);
    return undefined;
  }
  return { endpoint, apiKey, timeoutMs: 30_000 };
}

function smtpSettings(value: (name: string) => string | undefined, env: Env, problems: string[]): SmtpSettings {
  const host = value(ENV.smtpHost)!;
  if (/[\s/]/.test(host) || host.includes('://')) {
    problems.push(`${ENV.smtpHost} must be a host name or IP address (no scheme, path or spaces), e.g. smtp.example.com`);
  }

  let port = DEFAULT_SMTP_PORT;
  const rawPort = value(ENV.smtpPort);
  if (rawPort !== undefined) {
    const parsed = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
    if (parsed >= 1 && parsed <= 65535) port = parsed;
    else problems.push(`${ENV.smtpPort} must be a port number (1-65535), not "${rawPort}"`);
  }

  const secure = parseBoolean(ENV.smtpSecure, value(ENV.smtpSecure), problems) ?? port === 465;
  const requireTls = parseBoolean(ENV.smtpRequireTls, value(ENV.smtpRequireTls), problems) ?? false;

  // The password is taken as is (not trimmed): spaces may be part of it.
  const user = value(ENV.smtpUser);
  const pass = env[ENV.smtpPassword] === '' ? undefined : env[ENV.smtpPassword];
  let auth: SmtpSettings['auth'];
  if (user !== undefined && pass !== undefined) auth = { user, pass };
  else if (user !== undefined) problems.push(`${ENV.smtpUser} is set but ${ENV.smtpPassword} is not`);
  else if (pass !== undefined) problems.push(`${ENV.smtpPassword} is set but ${ENV.smtpUser} is not`);

  return {
    host, port, secure, requireTls, auth,
    connectionTimeoutMs: 30_000,
    greetingTimeoutMs: 30_000,
    socketTimeoutMs: 60_000,
    maxConnections: 5,
  };
}

function parseBoolean(name: string, raw: string | undefined, problems: string[]): boolean | undefined {
  if (raw === undefined) return undefined;
  const lower = raw.toLowerCase();
  if (['true', '1', 'yes'].includes(lower)) return true;
  if (['false', '0', 'no'].includes(lower)) return false;
  problems.push(`${name} must be true or false, not "${raw}"`);
  return undefined;
}

/** One line for the setup log: where mail goes, never a credential. */
export function describeRoute(settings: EmailSettings): string {
  if (settings.route === 'smtp' && settings.smtp) {
    const { host, port, secure, requireTls, auth } = settings.smtp;
    const tls = secure ? 'TLS' : requireTls ? 'STARTTLS required' : 'STARTTLS when offered';
    return `SMTP ${host}:${port} (${tls}${auth ? `, user ${auth.user}` : ', no auth'})`;
  }
  if (settings.route === 'notifications' && settings.notifications) {
    const url = settings.notifications.endpoint;
    return `notifications service ${url.protocol}//${url.host}${url.pathname}${settings.notifications.apiKey ? ' (with API key)' : ''}`;
  }
  return 'no transport configured';
}
