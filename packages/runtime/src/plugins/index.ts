export { PluginError, isPluginError, type PluginErrorCode } from './plugin-error.js';
export { PluginManager, type PluginManagerOptions, type InstalledPlugin, type InstallResult, type UninstallResult } from './plugin-manager.js';
export { classifyInstallRequest, parseNpmSpec, SHORT_NAME_PREFIX, type InstallTarget, type PluginSourceKind } from './install-spec.js';
export type { PluginRecord } from './plugins-dir.js';
export { loadPackageMigrations, migrateProcessorPackages, type PackageMigrationReport } from './package-migrations.js';
export { jobsInUse, UNFINISHED_STATUSES, type JobsInUse } from './plugin-usage.js';
export { processorContractChecks, type ContractCheck, type ContractOutcome, type ContractOptions } from './processor-contract.js';
