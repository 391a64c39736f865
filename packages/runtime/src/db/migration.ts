import type pg from 'pg';

/** What every migration receives besides its client: the target schema, raw and quoted. */
export interface MigrationContext {
  schema: string;
  /** `schema` quoted with pg's escapeIdentifier: the only form to put into SQL text. */
  quotedSchema: string;
}

/**
 * One forward-only step of a package's database schema. `up` runs inside a transaction
 * the migrator opened on `client`: it must not COMMIT or ROLLBACK itself.
 */
export interface Migration {
  name: string;
  up(client: pg.PoolClient, ctx: MigrationContext): Promise<void>;
}

/** Which migrations of which package to run against which schema. */
export interface MigrationSetOptions {
  schema: string;
  /** The ledger key: every package keeps its own list of applied names in the shared ledger. */
  packageName: string;
  /** In the order they must run; names are unique within the package. */
  migrations: Migration[];
}
