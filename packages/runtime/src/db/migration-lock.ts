import type pg from 'pg';

/**
 * Runs `fn` on one dedicated client holding a session-level advisory lock for `schema`, so that
 * several processes starting at once migrate one after the other: the later ones find nothing
 * pending. The key is per schema (every package's migrations in a schema share one ledger).
 * A transaction-level lock would not do: each migration commits on its own.
 */
export async function withMigrationLock<T>(
  pool: pg.Pool,
  schema: string,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const key = `nself-jobs:migrations:${schema}`;
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  let broken: Error | undefined;
  try {
    return await fn(client);
  } finally {
    try {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
    } catch (error) {
      // The session is unusable (dropped, or stuck in a failed transaction): destroying the
      // connection also releases the lock, and keeps a locked session out of the pool.
      broken = error as Error;
    }
    client.release(broken);
  }
}
