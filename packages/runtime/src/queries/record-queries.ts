import type pg from 'pg';
import { encodeJobCursor, type JobCursor } from './job-cursor.js';
import type { JobRecord, JobRecordDetail, JobTypeStats } from './job-record.js';
import type { JobStatus } from '../record/job-snapshot.js';

/**
 * The read side of the record, for the REST API and anything else that shows jobs.
 * `q` is the quoted schema (Runtime.quotedSchema). Writes live in the producer and recorder.
 */

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** The job with its result and failed attempts (oldest first); undefined when there is no such row. */
export async function getJobRecord(pool: pg.Pool, q: string, id: string): Promise<JobRecordDetail | undefined> {
  const { rows } = await pool.query<JobRecordDetail>(`
    SELECT j.*,
      (SELECT jsonb_build_object('result', r.result, 'duration_ms', r.duration_ms)
         FROM ${q}.job_results r WHERE r.job_id = j.id) AS result,
      COALESCE((SELECT jsonb_agg(jsonb_build_object(
                  'attempt_number', f.attempt_number, 'error_message', f.error_message, 'error_code', f.error_code,
                  'failed_at', to_char(f.failed_at AT TIME ZONE 'UTC', ${ISO_MS}))
                ORDER BY f.failed_at, f.id)
         FROM ${q}.job_failures f WHERE f.job_id = j.id), '[]'::jsonb) AS failures
    FROM ${q}.jobs j
    WHERE j.id = $1::uuid`, [id]);
  return rows[0];
}

export interface JobListFilter {
  status?: JobStatus;
  type?: string;
  queue?: string;
  /** 1..200 is what the API allows; the query takes what it is given. */
  limit: number;
  /** From a previous page's nextCursor (decodeJobCursor). */
  cursor?: JobCursor;
}

export interface JobListPage {
  jobs: JobRecord[];
  /** Pass back for the next page; null on the last one. */
  nextCursor: string | null;
}

/**
 * Newest first, keyset pagination on (created_at DESC, id DESC), which the index
 * jobs_created_at_id_idx serves: a page costs the same however deep it is.
 */
export async function listJobRecords(pool: pg.Pool, q: string, filter: JobListFilter): Promise<JobListPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  if (filter.status) where.push(`j.status = ${param(filter.status)}`);
  if (filter.type) where.push(`j.type = ${param(filter.type)}`);
  if (filter.queue) where.push(`j.queue = ${param(filter.queue)}`);
  if (filter.cursor) {
    const createdAt = `timestamptz 'epoch' + ${param(filter.cursor.createdAtUs)}::bigint * interval '1 microsecond'`;
    where.push(`(j.created_at, j.id) < (${createdAt}, ${param(filter.cursor.id)}::uuid)`);
  }
  const limit = param(filter.limit + 1);
  const { rows } = await pool.query<JobRecord & { cursor_us: string }>(`
    SELECT j.*, (extract(epoch FROM j.created_at) * 1000000)::bigint::text AS cursor_us
    FROM ${q}.jobs j
    ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY j.created_at DESC, j.id DESC
    LIMIT ${limit}`, params);
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > filter.limit && last ? encodeJobCursor({ createdAtUs: last.cursor_us, id: last.id }) : null;
  return { jobs: page.map(({ cursor_us: _, ...job }) => job), nextCursor };
}

/** Per job type, over jobs created in the last `hours`: totals, failure rate, average and p95 duration of completed runs. */
export async function jobTypeStats(pool: pg.Pool, q: string, hours: number): Promise<JobTypeStats[]> {
  const { rows } = await pool.query<{ type: string; total: number; completed: number; failed: number; avg: number | null; p95: number | null }>(`
    SELECT j.type,
           count(*)::integer AS total,
           (count(*) FILTER (WHERE j.status = 'completed'))::integer AS completed,
           (count(*) FILTER (WHERE j.status = 'failed'))::integer AS failed,
           avg(r.duration_ms)::float8 AS avg,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY r.duration_ms) AS p95
    FROM ${q}.jobs j
    LEFT JOIN ${q}.job_results r ON r.job_id = j.id
    WHERE j.created_at >= now() - make_interval(hours => $1::integer)
    GROUP BY j.type
    ORDER BY j.type`, [hours]);
  return rows.map((r) => ({
    type: r.type,
    total: r.total,
    completed: r.completed,
    failed: r.failed,
    failureRate: r.completed + r.failed > 0 ? round(r.failed / (r.completed + r.failed), 4) : null,
    avgDurationMs: r.avg === null ? null : round(r.avg, 2),
    p95DurationMs: r.p95 === null ? null : round(r.p95, 2),
  }));
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
