import pg from 'pg';
import type { Migration } from '../migration.js';

/**
 * Views and functions over the record, for Hasura, dashboards and people at psql.
 * Everything references the tables schema-qualified, and functions pin their search_path,
 * so they behave the same whatever the caller's search_path is.
 */

/** Function bodies go in as escaped string literals: any schema name is safe inside them. */
const body = (sql: string) => pg.escapeLiteral(sql);

function views(q: string): string {
  return `
    -- j.* is expanded when the view is created: a migration adding a jobs column re-creates it.
    CREATE OR REPLACE VIEW ${q}.jobs_active AS
      SELECT j.*
      FROM ${q}.jobs j
      WHERE j.status IN ('waiting', 'delayed', 'active')
      ORDER BY j.created_at, j.id;

    CREATE OR REPLACE VIEW ${q}.jobs_failed_details AS
      SELECT j.id, j.type, j.queue, j.priority, j.payload, j.attempts_made, j.max_attempts,
             j.schedule_name, j.created_at, j.started_at, j.completed_at, j.last_error,
             lf.error_message AS last_error_message, lf.error_code AS last_error_code,
             lf.stack AS last_error_stack, lf.failed_at AS last_failed_at,
             fc.failure_count
      FROM ${q}.jobs j
      LEFT JOIN LATERAL (
        SELECT f.error_message, f.error_code, f.stack, f.failed_at
        FROM ${q}.job_failures f
        WHERE f.job_id = j.id
        ORDER BY f.failed_at DESC, f.id DESC
        LIMIT 1
      ) lf ON true
      CROSS JOIN LATERAL (
        SELECT count(*) AS failure_count FROM ${q}.job_failures f WHERE f.job_id = j.id
      ) fc
      WHERE j.status = 'failed'
      ORDER BY j.completed_at DESC NULLS LAST, j.id;

    CREATE OR REPLACE VIEW ${q}.queue_stats AS
      SELECT j.queue,
             count(*) FILTER (WHERE j.status = 'waiting')   AS waiting,
             count(*) FILTER (WHERE j.status = 'delayed')   AS delayed,
             count(*) FILTER (WHERE j.status = 'active')    AS active,
             count(*) FILTER (WHERE j.status = 'completed') AS completed,
             count(*) FILTER (WHERE j.status = 'failed')    AS failed,
             count(*) FILTER (WHERE j.status = 'cancelled') AS cancelled,
             count(*)                                       AS total,
             min(j.created_at) FILTER (WHERE j.status = 'waiting') AS oldest_waiting_at
      FROM ${q}.jobs j
      GROUP BY j.queue
      ORDER BY j.queue;

    -- failure_rate is over finished runs (completed + failed), so jobs still queued do not dilute it.
    CREATE OR REPLACE VIEW ${q}.job_type_stats AS
      SELECT j.type,
             count(*)                                       AS total,
             count(*) FILTER (WHERE j.status = 'completed') AS completed,
             count(*) FILTER (WHERE j.status = 'failed')    AS failed,
             round(count(*) FILTER (WHERE j.status = 'failed')::numeric
                   / nullif(count(*) FILTER (WHERE j.status IN ('completed', 'failed')), 0), 4) AS failure_rate,
             round(avg(r.duration_ms), 2) AS avg_duration_ms,
             round((percentile_cont(0.95) WITHIN GROUP (ORDER BY r.duration_ms))::numeric, 2) AS p95_duration_ms,
             max(j.started_at) AS last_run_at
      FROM ${q}.jobs j
      LEFT JOIN ${q}.job_results r ON r.job_id = j.id
      GROUP BY j.type
      ORDER BY j.type;

    CREATE OR REPLACE VIEW ${q}.recent_failures AS
      SELECT f.id, f.job_id, j.type, j.queue, j.status AS job_status, f.attempt_number,
             f.error_message, f.error_code, f.stack, f.failed_at
      FROM ${q}.job_failures f
      JOIN ${q}.jobs j ON j.id = f.job_id
      WHERE f.failed_at > now() - interval '24 hours'
      ORDER BY f.failed_at DESC, f.id DESC;

    CREATE OR REPLACE VIEW ${q}.scheduled_jobs_overview AS
      SELECT s.id, s.name, s.type, s.queue, s.description, s.enabled, s.cron, s.timezone,
             s.missed_policy, s.next_run_at, s.last_run_at, s.run_count, s.last_job_id,
             lj.status AS last_job_status,
             c.total_jobs, c.waiting_jobs, c.delayed_jobs, c.active_jobs,
             c.completed_jobs, c.failed_jobs, c.cancelled_jobs
      FROM ${q}.job_schedules s
      LEFT JOIN ${q}.jobs lj ON lj.id = s.last_job_id
      CROSS JOIN LATERAL (
        SELECT count(*)                                       AS total_jobs,
               count(*) FILTER (WHERE j.status = 'waiting')   AS waiting_jobs,
               count(*) FILTER (WHERE j.status = 'delayed')   AS delayed_jobs,
               count(*) FILTER (WHERE j.status = 'active')    AS active_jobs,
               count(*) FILTER (WHERE j.status = 'completed') AS completed_jobs,
               count(*) FILTER (WHERE j.status = 'failed')    AS failed_jobs,
               count(*) FILTER (WHERE j.status = 'cancelled') AS cancelled_jobs
        FROM ${q}.jobs j
        WHERE j.schedule_name = s.name
      ) c
      ORDER BY s.name;
  `;
}

function functions(q: string): string {
  return `
    CREATE OR REPLACE FUNCTION ${q}.get_job_stats(p_queue text DEFAULT NULL, p_hours integer DEFAULT 24)
      RETURNS TABLE (queue text, status text, job_count bigint, avg_duration_ms numeric, p95_duration_ms numeric)
      LANGUAGE sql STABLE
      SET search_path = pg_catalog, pg_temp
      AS ${body(`
        SELECT j.queue, j.status, count(*)::bigint,
               round(avg(r.duration_ms), 2),
               round((percentile_cont(0.95) WITHIN GROUP (ORDER BY r.duration_ms))::numeric, 2)
        FROM ${q}.jobs j
        LEFT JOIN ${q}.job_results r ON r.job_id = j.id
        WHERE j.created_at >= now() - make_interval(hours => p_hours)
          AND (p_queue IS NULL OR j.queue = p_queue)
        GROUP BY j.queue, j.status
        ORDER BY j.queue, j.status
      `)};

    -- Deleting a job cascades to its result and failures and nulls job_schedules.last_job_id.
    CREATE OR REPLACE FUNCTION ${q}.cleanup_old_jobs(p_hours integer DEFAULT 24)
      RETURNS integer
      LANGUAGE sql VOLATILE
      SET search_path = pg_catalog, pg_temp
      AS ${body(`
        WITH deleted AS (
          DELETE FROM ${q}.jobs j
          WHERE j.status IN ('completed', 'cancelled')
            AND j.completed_at < now() - make_interval(hours => p_hours)
          RETURNING 1
        )
        SELECT count(*)::integer FROM deleted
      `)};

    CREATE OR REPLACE FUNCTION ${q}.cleanup_old_failed_jobs(p_days integer DEFAULT 7)
      RETURNS integer
      LANGUAGE sql VOLATILE
      SET search_path = pg_catalog, pg_temp
      AS ${body(`
        WITH deleted AS (
          DELETE FROM ${q}.jobs j
          WHERE j.status = 'failed'
            AND j.completed_at < now() - make_interval(days => p_days)
          RETURNING 1
        )
        SELECT count(*)::integer FROM deleted
      `)};
  `;
}

function comments(q: string): string {
  return `
    COMMENT ON VIEW ${q}.jobs_active IS 'Jobs waiting, delayed or running, oldest first.';
    COMMENT ON VIEW ${q}.jobs_failed_details IS 'Failed jobs with their last failure (message, code, stack) and number of failed attempts.';
    COMMENT ON VIEW ${q}.queue_stats IS 'Per queue: jobs per status, total, and when the oldest waiting job was created.';
    COMMENT ON VIEW ${q}.job_type_stats IS 'Per job type: totals, failure rate over finished runs, average and p95 duration (ms), last start.';
    COMMENT ON VIEW ${q}.recent_failures IS 'Failed attempts of the last 24 hours, newest first.';
    COMMENT ON VIEW ${q}.scheduled_jobs_overview IS 'Each schedule with its timing, the status of its last job and its jobs per status.';
    COMMENT ON FUNCTION ${q}.get_job_stats(text, integer) IS 'Jobs created in the last p_hours per queue and status, with average and p95 duration (ms); all queues when p_queue is null.';
    COMMENT ON FUNCTION ${q}.cleanup_old_jobs(integer) IS 'Deletes completed and cancelled jobs finished more than p_hours ago; returns how many.';
    COMMENT ON FUNCTION ${q}.cleanup_old_failed_jobs(integer) IS 'Deletes failed jobs that failed more than p_days ago; returns how many.';
  `;
}

export const recordViewsFunctions: Migration = {
  name: '0002-record-views-functions',
  async up(client, { quotedSchema: q }) {
    await client.query(views(q));
    await client.query(functions(q));
    await client.query(comments(q));
  },
};
