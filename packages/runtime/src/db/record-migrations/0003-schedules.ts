import type { Migration } from '../migration.js';

/**
 * What the scheduler asks job_schedules many times a second across replicas: "which enabled
 * schedule is due next". Partial on enabled, so disabled schedules cost nothing.
 */
export const schedules: Migration = {
  name: '0003-schedules',
  async up(client, { quotedSchema: q }) {
    await client.query(`
      CREATE INDEX IF NOT EXISTS job_schedules_next_run_at_idx ON ${q}.job_schedules (next_run_at) WHERE enabled;

      COMMENT ON COLUMN ${q}.job_schedules.next_run_at IS 'Next occurrence to run; null while disabled. Set it to null by SQL to have the scheduler recompute it from now.';
      COMMENT ON COLUMN ${q}.job_schedules.last_run_at IS 'Time of the latest occurrence run (or of the latest manual run).';
      COMMENT ON COLUMN ${q}.job_schedules.run_count IS 'Jobs this schedule created.';
    `);
  },
};
