export { loadConfig, type LoadConfigOptions } from './load-config.js';
export { ConfigError, CONFIG_INVALID_CODE, isConfigError } from './config-error.js';
export {
  describeDatabase, postgresConnectionConfig, type PostgresConnectionConfig,
} from './database-connection.js';
export { ENV_VARIABLES, DATABASE_VARIABLES, type EnvVariable } from './env-variables.js';
export { maskUrlPassword } from './connection-urls.js';
export {
  LOG_LEVELS, type DashboardConfig, type DatabaseConfig, type LogLevel, type RuntimeConfig,
} from './runtime-config.js';
