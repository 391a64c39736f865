import crypto from 'node:crypto';
import pg from 'pg';

export interface JobRow {
  status: 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'cancelled';
  queue?: string;
  /** How long ago it finished, as a PostgreSQL interval ('3 hours'); null for a live job. */
  finished?: string | null;
  result?: boolean;
  failures?: number;
}

/** Inserts one record row (with a result and failure rows when asked) and returns its id. */
export async function insertJob(pool: pg.Pool, quotedSchema: string, row: JobRow): Promise<string> {
  const id = crypto.randomUUID();
  await pool.query(
    `INSERT INTO ${quotedSchema}.jobs (id, backend_id, type, queue, status, created_at, completed_at)
     VALUES ($1::uuid, $1::text, 'test', $2, $3, now() - interval '40 days', now() - $4::interval)`,
    [id, row.queue ?? 'default', row.status, row.finished ?? null],
  );
  if (row.result) {
    await pool.query(`INSERT INTO ${quotedSchema}.job_results (job_id, result, duration_ms) VALUES ($1, '{"ok":true}', 5)`, [id]);
  }
  for (let attempt = 1; attempt <= (row.failures ?? 0); attempt += 1) {
    await pool.query(
      `INSERT INTO ${quotedSchema}.job_failures (job_id, attempt_number, error_message) VALUES ($1, $2, 'boom')`,
      [id, attempt],
    );
  }
  return id;
}

/** The ids still in the record, among those given. */
export async function remaining(pool: pg.Pool, quotedSchema: string, ids: string[]): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(`SELECT id FROM ${quotedSchema}.jobs WHERE id = ANY($1::uuid[])`, [ids]);
  const kept = new Set(rows.map((r) => r.id));
  return ids.filter((id) => kept.has(id));
}
