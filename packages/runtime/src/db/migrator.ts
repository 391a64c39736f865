import pg from 'pg';
import { MigrationError as UmzugMigrationError, Umzug } from 'umzug';
import { ensureLedger, LedgerStorage } from './ledger-storage.js';
import { MigrationError } from './migration-error.js';
import { withMigrationLock } from './migration-lock.js';
import type { Migration, MigrationContext, MigrationSetOptions } from './migration.js';

/** PostgreSQL silently truncates longer identifiers: the ledger and the lock would disagree. */
const MAX_IDENTIFIER_BYTES = 63;

/** Checks the options once and derives the context every migration receives. */
function contextFor(options: MigrationSetOptions): MigrationContext {
  const { schema, packageName, migrations } = options;
  const invalid = (message: string) =>
    new MigrationError('MIGRATION_INVALID', `${packageName || '(no package name)'}: ${message}`, { packageName });
  if (!packageName) throw invalid('a package name is required');
  if (!schema || schema.includes('\0') || Buffer.byteLength(schema) > MAX_IDENTIFIER_BYTES) {
    throw invalid(`schema name ${JSON.stringify(schema)} is not a valid PostgreSQL identifier (1-63 bytes)`);
  }
  const seen = new Set<string>();
  for (const migration of migrations) {
    if (!migration.name) throw invalid('a migration has no name');
    if (seen.has(migration.name)) throw invalid(`migration name ${migration.name} is used twice`);
    seen.add(migration.name);
  }
  return Object.freeze({ schema, quotedSchema: pg.escapeIdentifier(schema) });
}

/** BEGIN / up / ledger row / COMMIT: a migration and its ledger row land together or not at all. */
async function applyInTransaction(
  client: pg.PoolClient,
  storage: LedgerStorage,
  packageName: string,
  migration: Migration,
  ctx: MigrationContext,
): Promise<void> {
  await client.query('BEGIN');
  try {
    await migration.up(client, ctx);
    await storage.logMigration({ name: migration.name, context: ctx });
    await client.query('COMMIT');
  } catch (error) {
    // A failed ROLLBACK means a dead connection: the lock helper then discards the client,
    // and the original error is the one worth reporting.
    await client.query('ROLLBACK').catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(
      'MIGRATION_FAILED',
      `migration ${migration.name} of ${packageName} failed (rolled back): ${reason}`,
      { packageName, migrationName: migration.name, cause: error },
    );
  }
}

function createUmzug(
  storage: LedgerStorage,
  options: MigrationSetOptions,
  ctx: MigrationContext,
  run: (migration: Migration) => Promise<void>,
): Umzug<MigrationContext> {
  return new Umzug<MigrationContext>({
    migrations: options.migrations.map((migration) => ({ name: migration.name, up: () => run(migration) })),
    context: ctx,
    storage,
    // Silent on purpose: the caller prints the names it gets back.
    logger: undefined,
  });
}

/**
 * Applies the package's pending migrations in order, each in its own transaction, under a
 * per-schema advisory lock. Safe to run twice and from several processes at once.
 */
export async function runMigrations(pool: pg.Pool, options: MigrationSetOptions): Promise<{ applied: string[] }> {
  const ctx = contextFor(options);
  return withMigrationLock(pool, options.schema, async (client) => {
    await ensureLedger(client, ctx);
    const storage = new LedgerStorage(client, ctx, options.packageName);
    const umzug = createUmzug(storage, options, ctx, (migration) =>
      applyInTransaction(client, storage, options.packageName, migration, ctx),
    );
    try {
      const applied = await umzug.up();
      return { applied: applied.map((migration) => migration.name) };
    } catch (error) {
      // umzug wraps what `up` threw; ours already names the package and the migration.
      if (error instanceof UmzugMigrationError && error.cause instanceof MigrationError) throw error.cause;
      throw error;
    }
  });
}

/** Names not yet applied, in run order. Read-only: a missing ledger means all of them. */
export async function pendingMigrations(pool: pg.Pool, options: MigrationSetOptions): Promise<string[]> {
  const ctx = contextFor(options);
  const storage = new LedgerStorage(pool, ctx, options.packageName);
  const umzug = createUmzug(storage, options, ctx, async (migration) => {
    throw new Error(`${migration.name}: pendingMigrations never applies anything`);
  });
  return (await umzug.pending()).map((migration) => migration.name);
}

/**
 * Names the ledger records for this package that the code does not know: the database was
 * migrated by a newer version. Callers decide whether to refuse to start or only warn.
 */
export async function unknownAppliedMigrations(pool: pg.Pool, options: MigrationSetOptions): Promise<string[]> {
  const ctx = contextFor(options);
  const known = new Set(options.migrations.map((migration) => migration.name));
  const executed = await new LedgerStorage(pool, ctx, options.packageName).executed();
  return executed.filter((name) => !known.has(name));
}
