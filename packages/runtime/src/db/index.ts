export type { Migration, MigrationContext, MigrationSetOptions } from './migration.js';
export { MigrationError, type MigrationErrorCode } from './migration-error.js';
export { LEDGER_TABLE } from './ledger-storage.js';
export { runMigrations, pendingMigrations, unknownAppliedMigrations } from './migrator.js';
export { migrateRecord, recordMigrationsPending, RECORD_MIGRATIONS, RECORD_PACKAGE_NAME } from './record-migrations.js';
