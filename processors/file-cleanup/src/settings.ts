import { MAX_AGE_MS, type DefaultAges } from './payload.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The variables file-cleanup reads: the runtime's own, with the runtime's defaults. */
export const ENV = {
  databaseUrl: 'DATABASE_URL',
  postgresHost: 'POSTGRES_HOST',
  postgresPort: 'POSTGRES_PORT',
  postgresUser: 'POSTGRES_USER',
  postgresPassword: 'POSTGRES_PASSWORD',
  postgresDb: 'POSTGRES_DB',
  schema: 'JOBS_DB_SCHEMA',
  redisUrl: 'JOBS_REDIS_URL',
  queuePrefix: 'JOBS_QUEUE_PREFIX',
  cleanCompletedAfter: 'JOBS_CLEAN_COMPLETED_AFTER',
  cleanFailedAfter: 'JOBS_CLEAN_FAILED_AFTER',
} as const;

export const DEFAULT_CLEAN_COMPLETED_AFTER_MS = 86_400_000;
export const DEFAULT_CLEAN_FAILED_AFTER_MS = 604_800_000;

/** Where the queues are: Redis when JOBS_REDIS_URL is set, else BullMQ's PostgreSQL backend in the record's database. */
export type BackendSettings =
  | { kind: 'redis'; url: string; prefix: string; address: string }
  | { kind: 'postgres'; address: string };

/** Where the record is: a connection string (pg reads sslmode... from it) or its parts. Pool size left to the caller. */
export interface DatabaseConfig {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
}

/** What setup decides once per worker process. */
export interface CleanupSettings {
  database: DatabaseConfig;
  /** postgres://user@host:port/db: where the record is, without the password. */
  databaseAddress: string;
  schema: string;
  backend: BackendSettings;
  defaults: DefaultAges;
  /** Configuration problems, each naming its variable; every job fails with them until they are fixed. */
  problems: string[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Empty values count as unset, as in the runtime's own configuration. */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function settingsFromEnv(env: Env): CleanupSettings {
  const problems: string[] = [];
  const { database, databaseAddress } = databaseFromEnv(env, problems);
  const schema = read(env, ENV.schema) ?? 'public';
  if (!IDENTIFIER.test(schema)) {
    problems.push(`${ENV.schema} must be a PostgreSQL identifier (letters, digits and _, not starting with a digit, at most 63 characters)`);
  }
  return {
    database,
    databaseAddress,
    schema,
    backend: backendFromEnv(env, databaseAddress, problems),
    defaults: {
      completedMs: durationFromEnv(env, ENV.cleanCompletedAfter, DEFAULT_CLEAN_COMPLETED_AFTER_MS, problems),
      failedMs: durationFromEnv(env, ENV.cleanFailedAfter, DEFAULT_CLEAN_FAILED_AFTER_MS, problems),
    },
    problems,
  };
}

function databaseFromEnv(env: Env, problems: string[]): { database: DatabaseConfig; databaseAddress: string } {
  const url = read(env, ENV.databaseUrl);
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      // The value stays out of the message: it holds the password.
    }
    if (!parsed || (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') || !parsed.hostname) {
      problems.push(`${ENV.databaseUrl} must be a postgres://user:password@host:port/database URL`);
      return { database: {}, databaseAddress: '(bad DATABASE_URL)' };
    }
    // pg reads sslmode and the other parameters from the connection string itself.
    const user = safeDecode(parsed.username) || 'postgres';
    const name = safeDecode(parsed.pathname.replace(/^\//, '')) || 'postgres';
    return { database: { connectionString: url }, databaseAddress: `postgres://${user}@${parsed.host}/${name}` };
  }
  const host = read(env, ENV.postgresHost) ?? 'localhost';
  const portText = read(env, ENV.postgresPort) ?? '5432';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) problems.push(`${ENV.postgresPort} must be a port number (1-65535)`);
  const user = read(env, ENV.postgresUser) ?? 'postgres';
  const name = read(env, ENV.postgresDb) ?? 'postgres';
  const database: DatabaseConfig = { host, port, user, database: name };
  const password = env[ENV.postgresPassword];
  if (password) database.password = password;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { database, databaseAddress: `postgres://${user}@${shownHost}:${port}/${name}` };
}

function backendFromEnv(env: Env, databaseAddress: string, problems: string[]): BackendSettings {
  const url = read(env, ENV.redisUrl);
  if (url === undefined) return { kind: 'postgres', address: `${databaseAddress} (schema bullmq)` };
  const prefix = read(env, ENV.queuePrefix) ?? 'bull';
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // as above: no value in the message
  }
  if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') || !parsed.hostname) {
    problems.push(`${ENV.redisUrl} must be a redis://[user:password@]host:port[/db] URL (or rediss:// for TLS)`);
    return { kind: 'redis', url, prefix, address: '(bad JOBS_REDIS_URL)' };
  }
  return { kind: 'redis', url, prefix, address: `${parsed.protocol}//${parsed.host}${parsed.pathname}` };
}

function durationFromEnv(env: Env, name: string, fallback: number, problems: string[]): number {
  const text = read(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > MAX_AGE_MS) {
    problems.push(`${name} must be a whole number of milliseconds, at most 100 years`);
    return fallback;
  }
  return value;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
