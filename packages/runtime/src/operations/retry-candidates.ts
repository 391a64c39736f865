import type pg from 'pg';

/** A failed job `jobs retry` would put back, with why it failed. */
export interface RetryCandidate {
  id: string;
  type: string;
  queue: string;
  status: string;
  attempts_made: number;
  max_attempts: number;
  failed_at: Date | null;
  last_error: string | null;
  failures: number;
}

export interface RetryFilter {
  queue?: string;
  type?: string;
  /** 1..1000 */
  limit: number;
}

/** Dead letters: failed jobs (every attempt used, or a permanent error), most recently failed first. */
export async function retryCandidates(pool: pg.Pool, q: string, filter: RetryFilter): Promise<RetryCandidate[]> {
  const { rows } = await pool.query<RetryCandidate>(`
    SELECT j.id, j.type, j.queue, j.status, j.attempts_made, j.max_attempts, j.completed_at AS failed_at, j.last_error,
           (SELECT count(*)::integer FROM ${q}.job_failures f WHERE f.job_id = j.id) AS failures
      FROM ${q}.jobs j
     WHERE j.status = 'failed'
       AND ($1::text IS NULL OR j.queue = $1)
       AND ($2::text IS NULL OR j.type = $2)
     ORDER BY j.completed_at DESC NULLS LAST, j.id
     LIMIT $3`, [filter.queue ?? null, filter.type ?? null, filter.limit]);
  return rows;
}
