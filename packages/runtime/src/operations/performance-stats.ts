import type pg from 'pg';

/** Per job type, over jobs created in the window: what `jobs stats --performance` shows. */
export interface TypePerformance {
  type: string;
  /** Jobs of this type created in the window, in any status. */
  count: number;
  completed: number;
  failed: number;
  cancelled: number;
  /** failed / (completed + failed); null before any finished. */
  failureRate: number | null;
  /** Durations of completed runs (the successful attempt), in ms. */
  p50DurationMs: number | null;
  p95DurationMs: number | null;
  maxDurationMs: number | null;
  /** Completed jobs per minute, averaged over the window. */
  throughputPerMinute: number;
}

/** Jobs per queue and record status in the window: the history side of `jobs stats`. */
export interface QueueHistory {
  queue: string;
  status: string;
  count: number;
}

export interface StatsWindow {
  hours: number;
  queue?: string;
}

export async function typePerformance(pool: pg.Pool, q: string, window: StatsWindow): Promise<TypePerformance[]> {
  const { rows } = await pool.query<{ type: string; count: number; completed: number; failed: number; cancelled: number;
    p50: number | null; p95: number | null; max: number | null }>(`
    SELECT j.type,
           count(*)::integer AS count,
           (count(*) FILTER (WHERE j.status = 'completed'))::integer AS completed,
           (count(*) FILTER (WHERE j.status = 'failed'))::integer AS failed,
           (count(*) FILTER (WHERE j.status = 'cancelled'))::integer AS cancelled,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY r.duration_ms) FILTER (WHERE j.status = 'completed') AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY r.duration_ms) FILTER (WHERE j.status = 'completed') AS p95,
           (max(r.duration_ms) FILTER (WHERE j.status = 'completed'))::float8 AS max
      FROM ${q}.jobs j
      LEFT JOIN ${q}.job_results r ON r.job_id = j.id
     WHERE j.created_at >= now() - make_interval(hours => $1::integer)
       AND ($2::text IS NULL OR j.queue = $2)
     GROUP BY j.type
     ORDER BY j.type`, [window.hours, window.queue ?? null]);
  const minutes = window.hours * 60;
  return rows.map((r) => ({
    type: r.type,
    count: r.count,
    completed: r.completed,
    failed: r.failed,
    cancelled: r.cancelled,
    failureRate: r.completed + r.failed > 0 ? round(r.failed / (r.completed + r.failed), 4) : null,
    p50DurationMs: r.p50 === null ? null : round(r.p50, 2),
    p95DurationMs: r.p95 === null ? null : round(r.p95, 2),
    maxDurationMs: r.max,
    throughputPerMinute: round(r.completed / minutes, 4),
  }));
}

export async function queueHistory(pool: pg.Pool, q: string, window: StatsWindow): Promise<QueueHistory[]> {
  const { rows } = await pool.query<QueueHistory>(`
    SELECT j.queue, j.status, count(*)::integer AS count
      FROM ${q}.jobs j
     WHERE j.created_at >= now() - make_interval(hours => $1::integer)
       AND ($2::text IS NULL OR j.queue = $2)
     GROUP BY j.queue, j.status
     ORDER BY j.queue, j.status`, [window.hours, window.queue ?? null]);
  return rows;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
