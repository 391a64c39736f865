import type pg from 'pg';
import type { PriorityName } from '@nself-jobs/sdk';
import type { JobStatus } from '../record/job-snapshot.js';

/**
 * The record's side of operations done by hand. Each update is guarded by the status it
 * expects, so that two operators (or an operator and a worker) racing on one job cannot
 * move its row backwards: the loser changes nothing and is told so.
 */

/** What an operation needs to know about a job's row. */
export interface OperationRow {
  id: string;
  backend_id: string | null;
  type: string;
  queue: string;
  status: JobStatus;
  priority: PriorityName;
  payload: unknown;
  max_attempts: number;
  attempts_made: number;
  timeout_ms: number | null;
  schedule_name: string | null;
  completed_at: Date | null;
  last_error: string | null;
}

export async function findOperationRow(pool: pg.Pool, q: string, id: string): Promise<OperationRow | undefined> {
  const { rows } = await pool.query<OperationRow>(
    `SELECT id, backend_id, type, queue, status, priority, payload, max_attempts, attempts_made, timeout_ms,
            schedule_name, completed_at, last_error
       FROM ${q}.jobs WHERE id = $1::uuid`, [id]);
  return rows[0];
}

/** failed|cancelled -> waiting, before the job goes back to the backend. False when the row was not in `from` any more. */
export async function markRequeued(pool: pg.Pool, q: string, row: OperationRow, recreatedAs?: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE ${q}.jobs
        SET status = 'waiting', completed_at = NULL, run_at = NULL, updated_at = now(),
            backend_id = COALESCE($3, backend_id),
            attempts_made = CASE WHEN $3::text IS NULL THEN attempts_made ELSE 0 END
      WHERE id = $1::uuid AND status = $2`,
    [row.id, row.status, recreatedAs ?? null]);
  return rowCount === 1;
}

/** Undoes markRequeued when the backend refused the job. */
export async function restoreRow(pool: pg.Pool, q: string, row: OperationRow): Promise<void> {
  await pool.query(
    `UPDATE ${q}.jobs SET status = $2, completed_at = $3, backend_id = $4, attempts_made = $5, updated_at = now()
      WHERE id = $1::uuid AND status = 'waiting'`,
    [row.id, row.status, row.completed_at, row.backend_id, row.attempts_made]);
}

/** waiting|delayed|active -> cancelled. False when the job had already finished. */
export async function markCancelled(pool: pg.Pool, q: string, id: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE ${q}.jobs SET status = 'cancelled', completed_at = now(), updated_at = now(),
            last_error = COALESCE(last_error, 'cancelled by request')
      WHERE id = $1::uuid AND status IN ('waiting', 'delayed', 'active')`, [id]);
  return rowCount === 1;
}

/** delayed -> waiting, due now. */
export async function markPromoted(pool: pg.Pool, q: string, id: string): Promise<void> {
  await pool.query(
    `UPDATE ${q}.jobs SET status = 'waiting', run_at = now(), updated_at = now() WHERE id = $1::uuid AND status = 'delayed'`, [id]);
}
