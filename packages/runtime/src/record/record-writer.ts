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
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[],
    $8::integer[], $9::integer[], $10::integer[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[],
    $15::timestamptz[], $16::text[], $17::jsonb[], $18::boolean[], $19::jsonb[], $20::integer[]) AS r(
    id, backend_id, type, queue, status, priority, payload,
    attempts_made, max_attempts, timeout_ms, schedule_name, created_at, run_at, started_at,
    completed_at, last_error, progress, has_result, result, duration_ms)
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
FROM jsonb_to_recordset($21::jsonb) AS f(job_id uuid, attempt_number integer, error_message text,
  error_code text, stack text, failed_at timestamptz)`;
}

/** A jsonb parameter: SQL NULL for null/undefined (as jsonb_to_recordset made of a JSON null), else its JSON text. */
function jsonOf(value: unknown, clean: boolean): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value, clean ? withoutNul : undefined);
}

function textOf(value: string | null | undefined, clean: boolean): string | null {
  if (value === undefined || value === null) return null;
  return clean && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

/** The batch as one array per column, for `unnest($1::uuid[], ...)`; `clean` replaces U+0000. */
function columnsOf(snapshots: JobSnapshot[], failures: FailureRow[], clean: boolean): unknown[] {
  const n = snapshots.length;
  const cols: unknown[][] = [];
  for (let c = 0; c < 20; c += 1) cols.push(new Array(n));
  for (let i = 0; i < n; i += 1) {
    const s = snapshots[i]!;
    cols[0]![i] = s.id;
    cols[1]![i] = textOf(s.backend_id, clean);
    cols[2]![i] = textOf(s.type, clean);
    cols[3]![i] = textOf(s.queue, clean);
    cols[4]![i] = s.status;
    cols[5]![i] = s.priority;
    cols[6]![i] = jsonOf(s.payload, clean);
    cols[7]![i] = s.attempts_made;
    cols[8]![i] = s.max_attempts;
    cols[9]![i] = s.timeout_ms ?? null;
    cols[10]![i] = textOf(s.schedule_name, clean);
    cols[11]![i] = s.created_at;
    cols[12]![i] = s.run_at ?? null;
    cols[13]![i] = s.started_at ?? null;
    cols[14]![i] = s.completed_at ?? null;
    cols[15]![i] = textOf(s.last_error, clean);
    cols[16]![i] = jsonOf(s.progress, clean);
    cols[17]![i] = s.result !== undefined;
    cols[18]![i] = jsonOf(s.result?.value, clean);
    cols[19]![i] = s.result?.duration_ms ?? null;
  }
  return [...cols, JSON.stringify(failures, clean ? withoutNul : undefined)];
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
  try {
    await pool.query(sql, columnsOf(snapshots, failures, false));
  } catch (error) {
    if (!NUL_ERRORS.has((error as { code?: string }).code ?? '')) throw error;
    await pool.query(sql, columnsOf(snapshots, failures, true));
  }
}
