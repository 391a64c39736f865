export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface DatabaseConfig {
  /** DATABASE_URL exactly as given (query parameters such as ?sslmode=require included). */
  connectionString: string | undefined;
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  /** True when DATABASE_URL or a POSTGRES_* variable was set; `jobs dev` embeds PostgreSQL otherwise. */
  configured: boolean;
  /** Schema of the job record tables. */
  schema: string;
}

export interface DashboardConfig {
  enabled: boolean;
  port: number;
  path: string;
  host: string;
}

/** The validated, deep-frozen configuration of one runtime process. */
export interface RuntimeConfig {
  /** undefined => the embedded PostgreSQL queue backend. */
  redisUrl: string | undefined;
  database: DatabaseConfig;
  dashboard: DashboardConfig;
  apiKey: string | undefined;
  concurrency: number;
  /** Total attempts of a job, the first one included. */
  retryAttempts: number;
  retryDelay: number;
  jobTimeout: number;
  cleanCompletedAfter: number;
  cleanFailedAfter: number;
  shutdownGracePeriod: number;
  logLevel: LogLevel;
  /** BullMQ key prefix. */
  queuePrefix: string;
  /** Absolute. */
  dataDir: string;
  /** Absolute directories of extra processor packages. */
  processorPaths: string[];
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** The merged environment (.env, then the real environment, then overrides), handed to processors' setup(). */
  env: Readonly<Record<string, string | undefined>>;
}
