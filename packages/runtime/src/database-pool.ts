import pg from 'pg';
import { describeDatabase, postgresConnectionConfig, type RuntimeConfig } from './config/index.js';

/**
 * The pool for the record. `plan_cache_mode=force_custom_plan` makes PostgreSQL plan
 * the foreign-key checks of job_results/job_failures with the table's current size:
 * a plan cached while `jobs` was empty would otherwise scan it sequentially forever.
 */
export function createDatabasePool(config: RuntimeConfig, max = 10): pg.Pool {
  const connection = config.database.connectionString
    ? { connectionString: config.database.connectionString }
    : postgresConnectionConfig(config);
  const pool = new pg.Pool({
    ...connection,
    max,
    options: '-c plan_cache_mode=force_custom_plan',
    connectionTimeoutMillis: 10000,
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return pool;
}

/**
 * The recorder's own small pool, WITHOUT force_custom_plan: re-planning the
 * job_results foreign-key check for every row costs PostgreSQL far more CPU than
 * the batch write itself. `enable_seqscan=off` guards against the trap that plan
 * cache mode was there for (a generic FK-check plan made while `jobs` was empty
 * scanning it sequentially forever): every lookup the recorder makes goes by primary key.
 */
export function createRecorderPool(config: RuntimeConfig, max = 3): pg.Pool {
  const connection = config.database.connectionString
    ? { connectionString: config.database.connectionString }
    : postgresConnectionConfig(config);
  const pool = new pg.Pool({
    ...connection,
    max,
    options: '-c enable_seqscan=off',
    connectionTimeoutMillis: 10000,
  });
  pool.on('error', () => {});
  return pool;
}

/** Resolves when PostgreSQL answers; rejects with a message naming the address tried. */
export async function pingDatabase(pool: pg.Pool, config: RuntimeConfig): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    throw new Error(`cannot reach PostgreSQL at ${describeDatabase(config)}: ${(error as Error).message}`);
  }
}
