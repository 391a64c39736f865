import type pg from 'pg';
import { DAY_MS, HOUR_MS, type CleanupPlan } from './payload.js';

/** How many rows went, and which statement removed them. */
export interface RecordCleanup {
  deleted: number;
  /** "cleanup_old_jobs(24)", "cleanup_old_failed_jobs(7)", or "delete" for the equivalent statement. */
  via: string;
}

/** Record statuses each target removes: cleanup_old_jobs also removes cancelled jobs. */
export const RECORD_STATUSES = {
  completed_jobs: ['completed', 'cancelled'],
  failed_jobs: ['failed'],
} as const;

/**
 * Deletes the record's finished jobs older than the plan's age. When the age is a whole number of
 * the function's unit and no queue is given, the record's own function does it
 * (cleanup_old_jobs(hours) / cleanup_old_failed_jobs(days), migration 0002); otherwise a DELETE with
 * the same semantics: same statuses, `completed_at < now() - age`, same cascades (job_results and
 * job_failures go with their job, job_schedules.last_job_id becomes NULL), plus `queue = $2`.
 */
export async function cleanRecord(pool: pg.Pool, quotedSchema: string, plan: CleanupPlan): Promise<RecordCleanup> {
  const fn = functionCall(plan);
  if (fn) {
    const { rows } = await pool.query<{ deleted: number }>(`SELECT ${quotedSchema}.${fn.name}($1::integer) AS deleted`, [fn.argument]);
    return { deleted: rows[0]?.deleted ?? 0, via: `${fn.name}(${fn.argument})` };
  }
  const { rows } = await pool.query<{ deleted: number }>(
    `WITH deleted AS (
       DELETE FROM ${quotedSchema}.jobs j
       WHERE j.status = ANY($1::text[])
         AND j.completed_at < now() - make_interval(secs => $2::double precision / 1000)
         AND ($3::text IS NULL OR j.queue = $3::text)
       RETURNING 1
     )
     SELECT count(*)::integer AS deleted FROM deleted`,
    [RECORD_STATUSES[plan.target], plan.olderThanMs, plan.queue ?? null],
  );
  return { deleted: rows[0]?.deleted ?? 0, via: 'delete' };
}

function functionCall(plan: CleanupPlan): { name: string; argument: number } | undefined {
  if (plan.queue !== undefined) return undefined;
  const unit = plan.target === 'completed_jobs' ? HOUR_MS : DAY_MS;
  if (plan.olderThanMs % unit !== 0) return undefined;
  return { name: plan.target === 'completed_jobs' ? 'cleanup_old_jobs' : 'cleanup_old_failed_jobs', argument: plan.olderThanMs / unit };
}

/**
 * Every queue the record has ever seen a job in, read as a loose index scan over
 * jobs_queue_status_idx (queue, status): one index probe per queue, whatever the number of jobs.
 */
export async function recordQueues(pool: pg.Pool, quotedSchema: string): Promise<string[]> {
  const { rows } = await pool.query<{ queue: string }>(
    `WITH RECURSIVE queues(queue) AS (
       (SELECT j.queue FROM ${quotedSchema}.jobs j ORDER BY j.queue LIMIT 1)
       UNION ALL
       SELECT (SELECT j.queue FROM ${quotedSchema}.jobs j WHERE j.queue > q.queue ORDER BY j.queue LIMIT 1)
       FROM queues q
       WHERE q.queue IS NOT NULL
     )
     SELECT queue FROM queues WHERE queue IS NOT NULL`,
  );
  return rows.map((r) => r.queue);
}
