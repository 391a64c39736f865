import type pg from 'pg';
import type { MigrationParams, UmzugStorage } from 'umzug';
import type { MigrationContext } from './migration.js';

/** One ledger per schema, shared by the runtime and every processor package (keyed by package). */
export const LEDGER_TABLE = 'nself_jobs_migrations';

type Queryable = pg.Pool | pg.PoolClient;

// 42P01 undefined_table, 3F000 invalid_schema_name: the ledger was never created.
const MISSING_LEDGER_CODES = new Set(['42P01', '3F000']);

/**
 * Creates the schema and the ledger when missing. Callers hold the migration lock, so the
 * existence checks cannot race another migrator. The schema is looked up before CREATE SCHEMA
 * because CREATE SCHEMA IF NOT EXISTS demands CREATE on the database even when the schema
 * exists, which a role that only owns its schema (often `public`) does not have.
 */
export async function ensureLedger(db: Queryable, ctx: MigrationContext): Promise<void> {
  const found = await db.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [ctx.schema]);
  if (found.rowCount === 0) await db.query(`CREATE SCHEMA IF NOT EXISTS ${ctx.quotedSchema}`);
  await db.query(`
    CREATE TABLE IF NOT EXISTS ${ctx.quotedSchema}.${LEDGER_TABLE} (
      package    text        NOT NULL,
      name       text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (package, name)
    )`);
}

/** umzug storage over the shared ledger, seeing only the rows of one package. */
export class LedgerStorage implements UmzugStorage<MigrationContext> {
  constructor(
    private readonly db: Queryable,
    private readonly ctx: MigrationContext,
    private readonly packageName: string,
  ) {}

  /** Applied names, oldest first; none when the ledger does not exist (nothing is created). */
  async executed(): Promise<string[]> {
    try {
      const { rows } = await this.db.query<{ name: string }>(
        `SELECT name FROM ${this.ctx.quotedSchema}.${LEDGER_TABLE} WHERE package = $1 ORDER BY applied_at, name`,
        [this.packageName],
      );
      return rows.map((row) => row.name);
    } catch (error) {
      if (MISSING_LEDGER_CODES.has((error as { code?: string }).code ?? '')) return [];
      throw error;
    }
  }

  /**
   * The migrator already logs each migration inside the migration's own transaction; umzug
   * calls this again after `up` returns, so it must be a no-op for a name already present.
   */
  async logMigration({ name }: MigrationParams<MigrationContext>): Promise<void> {
    await this.db.query(
      `INSERT INTO ${this.ctx.quotedSchema}.${LEDGER_TABLE} (package, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [this.packageName, name],
    );
  }

  async unlogMigration({ name }: MigrationParams<MigrationContext>): Promise<void> {
    await this.db.query(`DELETE FROM ${this.ctx.quotedSchema}.${LEDGER_TABLE} WHERE package = $1 AND name = $2`, [
      this.packageName,
      name,
    ]);
  }
}
