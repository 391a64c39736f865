import { fail, ok, quote, type Parsed, type Parser } from './parse-values.js';

/** The parts of a DATABASE_URL, decoded; connectionString keeps it as given (query parameters included). */
export interface PostgresUrl {
  connectionString: string;
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
}

const POSTGRES_FORM = 'postgres://user:password@host:port/database';
const REDIS_FORM = 'redis://[user:password@]host:port[/db] (or rediss:// for TLS)';

/**
 * Hides the password of a URL-like string before it goes into a message, even when the
 * string does not parse as a URL (a password with a stray "@" or "/" is a common reason it does not).
 */
export function maskUrlPassword(raw: string): string {
  return raw.replace(/^((?:[^/@]*\/\/)?[^/:@]*:)[^]*@/, '$1***@');
}

function refuse<T>(raw: string, why: string, form: string): Parsed<T> {
  return fail(`${why}; expected ${form}, got ${quote(maskUrlPassword(raw))}`);
}

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

export const postgresUrl: Parser<PostgresUrl> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse(raw, 'not a valid URL', POSTGRES_FORM);
  }
  const protocol = url.protocol.toLowerCase();
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    return refuse(raw, `unsupported protocol "${url.protocol}"`, POSTGRES_FORM);
  }
  // A "%2F..." host is a Unix socket directory, which pg accepts as host; "[::1]" loses its brackets.
  const host = decode(url.hostname)?.replace(/^\[(.*)\]$/, '$1');
  if (!host) return refuse(raw, 'missing host', POSTGRES_FORM);
  const port = url.port === '' ? 5432 : Number(url.port);
  if (port === 0) return refuse(raw, 'port 0 is not a usable port', POSTGRES_FORM);
  const user = decode(url.username);
  const password = decode(url.password);
  const database = decode(url.pathname.replace(/^\//, ''));
  if (user === undefined || password === undefined || database === undefined) {
    return refuse(raw, 'malformed %-escape', POSTGRES_FORM);
  }
  return ok({
    connectionString: raw,
    host,
    port,
    user: user || 'postgres',
    password: password || undefined,
    database: database || 'postgres',
  });
};

/** Checked here so a typo fails at startup with a clear message, not later inside ioredis. */
export const redisUrl: Parser<string> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse(raw, 'not a valid URL', REDIS_FORM);
  }
  const protocol = url.protocol.toLowerCase();
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    return refuse(raw, `unsupported protocol "${url.protocol}"`, REDIS_FORM);
  }
  if (url.hostname === '') return refuse(raw, 'missing host', REDIS_FORM);
  return ok(raw);
};
