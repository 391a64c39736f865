import path from 'node:path';
import { ConfigError } from './config-error.js';
import { deepFreeze } from './deep-freeze.js';
import { lookUp, mergeLayers, readEnvFile, type EnvLayer } from './env-layers.js';
import { DATABASE_VARIABLES, ENV_VARIABLES, type EnvVariable } from './env-variables.js';
import type { DatabaseConfig, RuntimeConfig } from './runtime-config.js';

export interface LoadConfigOptions {
  /** The real environment; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Where `.env` is read from and relative paths are resolved against; defaults to process.cwd(). */
  cwd?: string;
  /** Values from CLI flags, keyed by variable name; they win over everything. */
  overrides?: Partial<Record<string, string>>;
}

/**
 * Builds the runtime configuration from, weakest first: defaults, `<cwd>/.env`, the environment,
 * overrides. Every problem is collected and thrown together as one ConfigError.
 */
export function loadConfig(options: LoadConfigOptions = {}): RuntimeConfig {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const envFile = readEnvFile(cwd);
  const strongestFirst: EnvLayer[] = [options.overrides ?? {}, options.env ?? process.env, envFile.layer];
  const problems: string[] = envFile.problem === undefined ? [] : [envFile.problem];

  const read = <T>(variable: EnvVariable<T>): T => {
    const found = lookUp(strongestFirst, variable.names);
    if (found === undefined) return variable.unset;
    const parsed = variable.parse(found.value, { cwd });
    if (parsed.ok) return parsed.value;
    problems.push(`${found.name}: ${parsed.problem}`);
    return variable.unset;
  };
  const v = ENV_VARIABLES;

  const config: RuntimeConfig = {
    redisUrl: read(v.redisUrl),
    database: readDatabase(read, (names) => lookUp(strongestFirst, names) !== undefined),
    dashboard: {
      enabled: read(v.dashboardEnabled),
      port: read(v.dashboardPort),
      path: read(v.dashboardPath),
      host: read(v.serverHost),
    },
    apiKey: read(v.apiKey),
    concurrency: read(v.concurrency),
    retryAttempts: read(v.retryAttempts),
    retryDelay: read(v.retryDelay),
    jobTimeout: read(v.jobTimeout),
    cleanCompletedAfter: read(v.cleanCompletedAfter),
    cleanFailedAfter: read(v.cleanFailedAfter),
    shutdownGracePeriod: read(v.shutdownGracePeriod),
    logLevel: read(v.logLevel),
    queuePrefix: read(v.queuePrefix),
    dataDir: read(v.dataDir) ?? path.join(cwd, '.jobs'),
    processorPaths: [...read(v.processorPaths)],
    bodyLimit: read(v.bodyLimit),
    env: mergeLayers([...strongestFirst].reverse()),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

type Read = <T>(variable: EnvVariable<T>) => T;
type IsSet = (names: readonly string[]) => boolean;

/** DATABASE_URL, when set, replaces the POSTGRES_* variables (which are then not even checked). */
function readDatabase(read: Read, isSet: IsSet): DatabaseConfig {
  const v = ENV_VARIABLES;
  const configured = isSet(DATABASE_VARIABLES);
  const schema = read(v.dbSchema);
  if (isSet(v.databaseUrl.names)) {
    // An invalid URL is already a problem; the placeholder parts below are never returned to anyone.
    const { connectionString, host, port, user, password, database } = read(v.databaseUrl)
      ?? { connectionString: undefined, host: '', port: 0, user: '', password: undefined, database: '' };
    return { connectionString, host, port, user, password, database, configured, schema };
  }
  return {
    connectionString: undefined,
    host: read(v.postgresHost),
    port: read(v.postgresPort),
    user: read(v.postgresUser),
    password: read(v.postgresPassword),
    database: read(v.postgresDb),
    configured,
    schema,
  };
}
