import { PermanentJobError } from '@nself-jobs/sdk';

/**
 * Where pg_dump connects, from DATABASE_URL or POSTGRES_HOST/PORT/USER/PASSWORD/DB (the same
 * variables, with the same defaults, as the runtime itself). The password is kept apart from the
 * rest from the start: it only ever goes into pg_dump's environment (PGPASSWORD).
 */
export interface ConnectionSettings {
  host: string;
  port: number;
  user: string;
  /** The database named by the configuration; a job's `database` replaces it. */
  database: string;
  password: string | undefined;
  /** libpq parameters from the DATABASE_URL query string (sslmode, ...), password and dbname removed. */
  params: ReadonlyArray<readonly [string, string]>;
  /** Which variables it came from, for error messages. */
  source: 'DATABASE_URL' | 'POSTGRES_*';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Query parameters that would undo what the job asks for or put a secret in the URL. */
const DROPPED_PARAMS = new Set(['password', 'dbname', 'user', 'host', 'hostaddr', 'port']);

export function connectionFromEnv(env: Env): ConnectionSettings {
  const url = env.DATABASE_URL?.trim();
  if (url) return fromUrl(url);
  const port = Number(env.POSTGRES_PORT ?? 5432);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PermanentJobError(`POSTGRES_PORT must be a port number, not "${env.POSTGRES_PORT}"`);
  }
  return {
    host: env.POSTGRES_HOST || 'localhost',
    port,
    user: env.POSTGRES_USER || 'postgres',
    database: env.POSTGRES_DB || 'postgres',
    password: env.POSTGRES_PASSWORD || undefined,
    params: [],
    source: 'POSTGRES_*',
  };
}

function fromUrl(text: string): ConnectionSettings {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The value itself stays out of the message: it holds the password.
    throw new PermanentJobError('DATABASE_URL is not a valid postgres:// URL (one host only)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new PermanentJobError(`DATABASE_URL must start with postgres:// or postgresql://, not ${url.protocol}//`);
  }
  const query = url.searchParams;
  const decode = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      throw new PermanentJobError('DATABASE_URL has an invalid percent-encoding');
    }
  };
  if (query.has('sslpassword')) {
    // libpq has no environment variable for it, so it could only travel on pg_dump's command line.
    throw new PermanentJobError('DATABASE_URL: sslpassword is not supported (it would appear on the pg_dump command line); use an unencrypted client key file');
  }
  const hostParam = query.get('host') ?? undefined;
  const user = decode(url.username) || query.get('user') || 'postgres';
  return {
    // `?host=/run/postgresql` is how a URL names a Unix socket directory.
    host: url.hostname || hostParam || 'localhost',
    port: Number(url.port || query.get('port') || 5432),
    user,
    database: decode(url.pathname.replace(/^\//, '')) || query.get('dbname') || user,
    password: (url.password ? decode(url.password) : query.get('password')) || undefined,
    params: [...query.entries()].filter(([key]) => !DROPPED_PARAMS.has(key)),
    source: 'DATABASE_URL',
  };
}

/**
 * The libpq connection URL pg_dump gets with `--dbname=`: no password, every part percent-encoded,
 * so a database name such as `x host=evil` stays a name and can never become connection options.
 */
export function connectionUrl(connection: ConnectionSettings, database: string): string {
  const params: Array<[string, string]> = [...connection.params].map(([k, v]) => [k, v]);
  let host = connection.host;
  if (host.startsWith('/')) {
    // A socket directory cannot be written in the host part; libpq reads it from ?host=.
    params.unshift(['host', host], ['port', String(connection.port)]);
    host = '';
  } else if (host.includes(':') && !host.startsWith('[')) {
    host = `[${host}]`;
  }
  const authority = host === '' ? `${encodeURIComponent(connection.user)}@` : `${encodeURIComponent(connection.user)}@${host}:${connection.port}`;
  const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `postgresql://${authority}/${encodeURIComponent(database)}${query ? `?${query}` : ''}`;
}

/** host:port/database for logs and messages. */
export function describeConnection(connection: ConnectionSettings, database: string): string {
  return `${connection.host}:${connection.port}/${database}`;
}
