import pg from 'pg';
import type { FailureRow, JobSnapshot } from './job-snapshot.js';

/**
 * Writes a batch of job states and failed attempts in ONE statement: upsert the
 * `jobs` rows, their `job_results` and the `job_failures` rows together. One
 * statement per batch keeps PostgreSQL's CPU per job low (DESIGN.md section 2),
 * and the foreign keys are checked at the end of that statement, after the jobs
 * rows exist.
 */
export function buildFlushSql(quotedSchema: string): string {
  const q = quotedSchema;
  return `
WITH rows AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
    id uuid, type text, queue text, status text, priority text, payload jsonb,
    attempts_made integer, max_attempts integer, timeout_ms integer, schedule_name text,
    backend_id text, created_at timestamptz, run_at timestamptz, started_at timestamptz, completed_at timestamptz,
    last_error text, progress jsonb, has_result boolean, result jsonb, duration_ms integer)
), upserted AS (
  INSERT INTO ${q}.jobs AS j (id, backend_id, type, queue, status, priority, payload, attempts_made, max_attempts,
    timeout_ms, schedule_name, created_at, run_at, started_at, completed_at, last_error, progress)
  SELECT id, backend_id, type, queue, status, priority, COALESCE(payload, '{}'::jsonb), attempts_made, max_attempts,
    timeout_ms, schedule_name, created_at, run_at, started_at, completed_at, last_error, progress
  FROM rows
  ON CONFLICT (id) DO UPDATE SET
    status = EXCLUDED.status,
    attempts_made = EXCLUDED.attempts_made,
    max_attempts = EXCLUDED.max_attempts,
    run_at = COALESCE(EXCLUDED.run_at, j.run_at),
    started_at = COALESCE(EXCLUDED.started_at, j.started_at),
    completed_at = EXCLUDED.completed_at,
    last_error = COALESCE(EXCLUDED.last_error, j.last_error),
    progress = COALESCE(EXCLUDED.progress, j.progress),
    updated_at = now()
  RETURNING 1
), results AS (
  INSERT INTO ${q}.job_results AS jr (job_id, result, duration_ms)
  SELECT id, result, duration_ms FROM rows WHERE has_result
  ON CONFLICT (job_id) DO UPDATE SET result = EXCLUDED.result, duration_ms = EXCLUDED.duration_ms, created_at = now()
  RETURNING 1
)
INSERT INTO ${q}.job_failures (job_id, attempt_number, error_message, error_code, stack, failed_at)
SELECT job_id, attempt_number, error_message, error_code, stack, failed_at
FROM jsonb_to_recordset($2::jsonb) AS f(job_id uuid, attempt_number integer, error_message text,
  error_code text, stack text, failed_at timestamptz)`;
}

function rowOf(snapshot: JobSnapshot): Record<string, unknown> {
  const { result, ...row } = snapshot;
  return { ...row, has_result: result !== undefined, result: result?.value ?? null, duration_ms: result?.duration_ms ?? null };
}

/** PostgreSQL refuses U+0000 in text and jsonb: replace it rather than lose the whole batch. */
function withoutNul(_key: string, value: unknown): unknown {
  return typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

const NUL_ERRORS = new Set(['22P05', '22021', '22P02']);

/** Errors about the data itself (class 22 and 23): retrying the same rows cannot help. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/**
 * Writes the batch; when PostgreSQL refuses its data, writes each job alone so
 * that one bad row cannot block the record. Returns the rows that were refused.
 */
export async function writeBatchIsolatingBadRows(
  pool: pg.Pool, sql: string, snapshots: JobSnapshot[], failures: FailureRow[],
): Promise<Array<{ id: string; error: Error }>> {
  try {
    await writeBatch(pool, sql, snapshots, failures);
    return [];
  } catch (error) {
    if (!isDataError(error) || snapshots.length + failures.length <= 1) throw error;
  }
  const refused: Array<{ id: string; error: Error }> = [];
  const ids = new Set([...snapshots.map((s) => s.id), ...failures.map((f) => f.job_id)]);
  for (const id of ids) {
    try {
      await writeBatch(pool, sql, snapshots.filter((s) => s.id === id), failures.filter((f) => f.job_id === id));
    } catch (error) {
      if (!isDataError(error)) throw error;
      refused.push({ id, error: error as Error });
    }
  }
  return refused;
}

export async function writeBatch(
  pool: pg.Pool, sql: string, snapshots: JobSnapshot[], failures: FailureRow[],
): Promise<void> {
  const rows = snapshots.map(rowOf);
  try {
    await pool.query(sql, [JSON.stringify(rows), JSON.stringify(failures)]);
  } catch (error) {
    if (!NUL_ERRORS.has((error as { code?: string }).code ?? '')) throw error;
    await pool.query(sql, [JSON.stringify(rows, withoutNul), JSON.stringify(failures, withoutNul)]);
  }
}
