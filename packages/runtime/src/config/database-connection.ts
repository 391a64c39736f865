import type { RuntimeConfig } from './runtime-config.js';

export interface PostgresConnectionConfig {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  /** Present only when DATABASE_URL asked for it with ?sslmode= or ?ssl=. */
  ssl?: boolean | { rejectUnauthorized: false };
}

/** Options for `new pg.Pool(...)`. The ssl setting is read back from DATABASE_URL, whose query pg would otherwise never see. */
export function postgresConnectionConfig(config: RuntimeConfig): PostgresConnectionConfig {
  const { host, port, user, password, database, connectionString } = config.database;
  const options: PostgresConnectionConfig = { host, port, user, database };
  if (password !== undefined) options.password = password;
  const ssl = connectionString === undefined ? undefined : sslOf(connectionString);
  if (ssl !== undefined) options.ssl = ssl;
  return options;
}

/** "postgres://user@host:port/db": where the runtime connects, safe to print (no password). */
export function describeDatabase(config: RuntimeConfig): string {
  const { host, port, user, database } = config.database;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `postgres://${user}@${shownHost}:${port}/${database}`;
}

/** Read the way pg's connection-string parser reads them: any sslmode but disable means TLS. */
function sslOf(connectionString: string): PostgresConnectionConfig['ssl'] {
  const query = new URL(connectionString).searchParams;
  const mode = query.get('sslmode');
  if (mode === 'disable') return false;
  if (mode === 'no-verify') return { rejectUnauthorized: false };
  if (mode !== null) return true;
  const ssl = query.get('ssl');
  if (ssl === 'true' || ssl === '1') return true;
  if (ssl === 'false' || ssl === '0') return false;
  return undefined;
}
