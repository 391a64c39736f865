import { deepFreeze } from './deep-freeze.js';
import { postgresUrl, redisUrl, type PostgresUrl } from './connection-urls.js';
import {
  absolutePath, boolean, integer, oneOf, pathList, port, sqlIdentifier, text, urlPath, type Parser,
} from './parse-values.js';
import { LOG_LEVELS, type LogLevel } from './runtime-config.js';

/**
 * One setting: the variable names it is read from (primary first, then aliases kept from the
 * original plugin), how its value is parsed, and the value it takes when none is set.
 */
export interface EnvVariable<T> {
  names: readonly [string, ...string[]];
  parse: Parser<T>;
  unset: T;
}

function variable<T>(names: EnvVariable<T>['names'], parse: Parser<T>, unset: T): EnvVariable<T> {
  return { names, parse, unset };
}

const count = (min: number, max?: number) => integer({ min, max });

/** Every variable the runtime reads. Durations are milliseconds. Frozen: it is public, and shared by every load. */
export const ENV_VARIABLES = deepFreeze({
  redisUrl: variable<string | undefined>(['JOBS_REDIS_URL'], redisUrl, undefined),
  databaseUrl: variable<PostgresUrl | undefined>(['DATABASE_URL'], postgresUrl, undefined),
  postgresHost: variable(['POSTGRES_HOST'], text, 'localhost'),
  postgresPort: variable(['POSTGRES_PORT'], port, 5432),
  postgresUser: variable(['POSTGRES_USER'], text, 'postgres'),
  postgresPassword: variable<string | undefined>(['POSTGRES_PASSWORD'], text, undefined),
  postgresDb: variable(['POSTGRES_DB'], text, 'postgres'),
  dbSchema: variable(['JOBS_DB_SCHEMA'], sqlIdentifier, 'public'),
  dashboardEnabled: variable(['JOBS_DASHBOARD_ENABLED'], boolean, true),
  dashboardPort: variable(['JOBS_DASHBOARD_PORT', 'JOBS_PLUGIN_PORT', 'PORT'], port, 3105),
  dashboardPath: variable(['JOBS_DASHBOARD_PATH'], urlPath, '/dashboard'),
  serverHost: variable(['JOBS_SERVER_HOST'], text, '127.0.0.1'),
  apiKey: variable<string | undefined>(['JOBS_API_KEY'], text, undefined),
  concurrency: variable(['JOBS_DEFAULT_CONCURRENCY', 'JOBS_MAX_CONCURRENT'], count(1, 1000), 5),
  // Total attempts, the first one included, as in the original plugin.
  retryAttempts: variable(['JOBS_RETRY_ATTEMPTS', 'JOBS_DEFAULT_ATTEMPTS'], count(1, 100), 3),
  retryDelay: variable(['JOBS_RETRY_DELAY', 'JOBS_DEFAULT_BACKOFF_DELAY'], count(0), 5000),
  jobTimeout: variable(['JOBS_JOB_TIMEOUT'], count(1), 60_000),
  cleanCompletedAfter: variable(['JOBS_CLEAN_COMPLETED_AFTER'], count(0), 86_400_000),
  cleanFailedAfter: variable(['JOBS_CLEAN_FAILED_AFTER'], count(0), 604_800_000),
  shutdownGracePeriod: variable(['JOBS_SHUTDOWN_GRACE_PERIOD'], count(0), 30_000),
  logLevel: variable<LogLevel>(['LOG_LEVEL'], oneOf(LOG_LEVELS), 'info'),
  queuePrefix: variable(['JOBS_QUEUE_PREFIX'], text, 'bull'),
  // undefined here means "<cwd>/.jobs"; loadConfig() knows the cwd.
  dataDir: variable<string | undefined>(['JOBS_DATA_DIR'], absolutePath, undefined),
  processorPaths: variable<string[]>(['JOBS_PROCESSOR_PATHS'], pathList, []),
  bodyLimit: variable(['JOBS_BODY_LIMIT'], count(1), 1_048_576),
});

/** The variables whose presence means "a PostgreSQL was configured", so `jobs dev` does not embed one. */
export const DATABASE_VARIABLES = [
  'DATABASE_URL', 'POSTGRES_HOST', 'POSTGRES_PORT', 'POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB',
] as const;
