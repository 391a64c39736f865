import type pg from 'pg';
import type { Migration } from './migration.js';
import { pendingMigrations, runMigrations } from './migrator.js';
import { recordTables } from './record-migrations/0001-record-tables.js';
import { recordViewsFunctions } from './record-migrations/0002-record-views-functions.js';
import { schedules } from './record-migrations/0003-schedules.js';

/** The ledger key of the runtime's own migrations; processor packages use their npm names. */
export const RECORD_PACKAGE_NAME = '@nself-jobs/runtime';

/** Append only: an applied migration is never edited, a change is a new migration. */
export const RECORD_MIGRATIONS: Migration[] = [recordTables, recordViewsFunctions, schedules];

const recordOptions = (schema: string) => ({ schema, packageName: RECORD_PACKAGE_NAME, migrations: RECORD_MIGRATIONS });

/** Creates or upgrades the record (jobs, job_results, job_failures, job_schedules, views, functions). */
export async function migrateRecord(pool: pg.Pool, schema = 'public'): Promise<{ applied: string[] }> {
  return runMigrations(pool, recordOptions(schema));
}

/** Record migrations not applied yet; creates nothing. */
export async function recordMigrationsPending(pool: pg.Pool, schema = 'public'): Promise<string[]> {
  return pendingMigrations(pool, recordOptions(schema));
}
