import type { Migration } from '../migration.js';

/**
 * The durable record: one row per job, its result, one row per failed attempt, and the cron
 * schedules. Every index here is paid for on each recorder write (DESIGN.md section 2), so
 * there are only the ones a known query needs. `updated_at` has no trigger for the same
 * reason: writers set it. IF NOT EXISTS everywhere so that a rerun after a manual, partial
 * apply cannot fail.
 */
export const recordTables: Migration = {
  name: '0001-record-tables',
  async up(client, { quotedSchema: q }) {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${q}.jobs (
        id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        -- The BullMQ job id: the same as id for jobs enqueued through nself-jobs,
        -- BullMQ's own id ("42") for jobs other code added to a queue directly.
        backend_id      text,
        type            text        NOT NULL,
        queue           text        NOT NULL,
        status          text        NOT NULL
          CONSTRAINT jobs_status_check
          CHECK (status IN ('waiting', 'delayed', 'active', 'completed', 'failed', 'cancelled')),
        priority        text        NOT NULL DEFAULT 'normal'
          CONSTRAINT jobs_priority_check CHECK (priority IN ('critical', 'high', 'normal', 'low')),
        payload         jsonb       NOT NULL DEFAULT '{}',
        progress        jsonb,
        attempts_made   integer     NOT NULL DEFAULT 0,
        max_attempts    integer     NOT NULL DEFAULT 1,
        timeout_ms      integer,
        delay_ms        integer,
        idempotency_key text,
        schedule_name   text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        run_at          timestamptz,
        started_at      timestamptz,
        completed_at    timestamptz,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        last_error      text
      );

      CREATE INDEX IF NOT EXISTS jobs_queue_status_idx ON ${q}.jobs (queue, status);
      CREATE INDEX IF NOT EXISTS jobs_type_created_at_idx ON ${q}.jobs (type, created_at);
      -- Keyset pagination, newest first: WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC.
      CREATE INDEX IF NOT EXISTS jobs_created_at_id_idx ON ${q}.jobs (created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS jobs_schedule_name_idx ON ${q}.jobs (schedule_name)
        WHERE schedule_name IS NOT NULL;
      -- Partial, so ON CONFLICT must repeat the predicate: ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL.
      CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency_key_idx ON ${q}.jobs (idempotency_key)
        WHERE idempotency_key IS NOT NULL;
      -- For the cleanup functions only; partial so that live jobs (the hot rows) never touch it
      -- until they finish, and led by status because each cleanup function deletes some statuses.
      CREATE INDEX IF NOT EXISTS jobs_finished_idx ON ${q}.jobs (status, completed_at)
        WHERE status IN ('completed', 'failed', 'cancelled');

      CREATE TABLE IF NOT EXISTS ${q}.job_results (
        job_id      uuid        PRIMARY KEY REFERENCES ${q}.jobs (id) ON DELETE CASCADE,
        result      jsonb,
        duration_ms integer,
        created_at  timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE IF NOT EXISTS ${q}.job_failures (
        id             bigserial   PRIMARY KEY,
        job_id         uuid        NOT NULL REFERENCES ${q}.jobs (id) ON DELETE CASCADE,
        attempt_number integer     NOT NULL,
        error_message  text        NOT NULL,
        error_code     text,
        stack          text,
        failed_at      timestamptz NOT NULL DEFAULT now()
      );
      -- job_id also serves the ON DELETE CASCADE from jobs; failed_at serves recent_failures.
      CREATE INDEX IF NOT EXISTS job_failures_job_id_idx ON ${q}.job_failures (job_id);
      CREATE INDEX IF NOT EXISTS job_failures_failed_at_idx ON ${q}.job_failures (failed_at);

      CREATE TABLE IF NOT EXISTS ${q}.job_schedules (
        id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        name          text        NOT NULL UNIQUE,
        type          text        NOT NULL,
        queue         text        NOT NULL DEFAULT 'default',
        payload       jsonb       NOT NULL DEFAULT '{}',
        options       jsonb       NOT NULL DEFAULT '{}',
        cron          text        NOT NULL,
        timezone      text        NOT NULL DEFAULT 'UTC',
        description   text,
        enabled       boolean     NOT NULL DEFAULT true,
        missed_policy text        NOT NULL DEFAULT 'skip'
          CONSTRAINT job_schedules_missed_policy_check CHECK (missed_policy IN ('skip', 'once', 'all')),
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        last_run_at   timestamptz,
        -- SET NULL, so cleanup can delete a schedule's old last job. No index: the table holds
        -- a handful of rows, and an index would be one more write per schedule run.
        last_job_id   uuid        REFERENCES ${q}.jobs (id) ON DELETE SET NULL,
        next_run_at   timestamptz,
        run_count     bigint      NOT NULL DEFAULT 0
      );
    `);
    await client.query(`
      COMMENT ON TABLE ${q}.jobs IS 'One row per job: its current status, options and timings (the queue backend owns execution).';
      COMMENT ON COLUMN ${q}.jobs.id IS 'UUID, also the BullMQ job id.';
      COMMENT ON COLUMN ${q}.jobs.type IS 'Job type, as declared by a processor package.';
      COMMENT ON COLUMN ${q}.jobs.status IS 'waiting, delayed, active, completed, failed or cancelled.';
      COMMENT ON COLUMN ${q}.jobs.priority IS 'critical, high, normal or low (run in that order).';
      COMMENT ON COLUMN ${q}.jobs.payload IS 'Input of the job, validated against the type''s JSON Schema.';
      COMMENT ON COLUMN ${q}.jobs.progress IS 'Last progress the processor reported.';
      COMMENT ON COLUMN ${q}.jobs.attempts_made IS 'Attempts started so far.';
      COMMENT ON COLUMN ${q}.jobs.idempotency_key IS 'Optional caller key; at most one job per key.';
      COMMENT ON COLUMN ${q}.jobs.schedule_name IS 'Name of the job_schedules row that created the job, if any.';
      COMMENT ON COLUMN ${q}.jobs.run_at IS 'When a delayed job becomes due.';
      COMMENT ON COLUMN ${q}.jobs.completed_at IS 'When the job reached a final state (completed, failed or cancelled).';
      COMMENT ON COLUMN ${q}.jobs.last_error IS 'Message of the latest failed attempt.';
      COMMENT ON TABLE ${q}.job_results IS 'Output of a completed job (relationship jobs.result).';
      COMMENT ON COLUMN ${q}.job_results.duration_ms IS 'Run time of the successful attempt.';
      COMMENT ON TABLE ${q}.job_failures IS 'One row per failed attempt, with error and stack (relationship jobs.failures).';
      COMMENT ON COLUMN ${q}.job_failures.error_code IS 'Stable error code, when the error carried one.';
      COMMENT ON TABLE ${q}.job_schedules IS 'Cron schedules: the source of truth the scheduler syncs to the queue backend.';
      COMMENT ON COLUMN ${q}.job_schedules.options IS 'Job options for each run (priority, attempts, timeout...).';
      COMMENT ON COLUMN ${q}.job_schedules.missed_policy IS 'Runs missed while down: skip them, run once, or run all.';
      COMMENT ON COLUMN ${q}.job_schedules.last_job_id IS 'Job created by the latest run; set to null when that job is cleaned up.';
    `);
  },
};
