import { expect } from 'chai';
import pg from 'pg';
import { createTestDatabase } from '@nself-jobs/test-helpers';
import {
  migrateRecord, pendingMigrations, RECORD_MIGRATIONS, RECORD_PACKAGE_NAME, recordMigrationsPending,
  unknownAppliedMigrations,
} from '../../src/db/index.js';

const RECORD_NAMES = RECORD_MIGRATIONS.map((migration) => migration.name);
const TABLES = ['jobs', 'job_results', 'job_failures', 'job_schedules', 'nself_jobs_migrations'];
const VIEWS = ['jobs_active', 'jobs_failed_details', 'queue_stats', 'job_type_stats', 'recent_failures', 'scheduled_jobs_overview'];
const FUNCTIONS = ['get_job_stats', 'cleanup_old_jobs', 'cleanup_old_failed_jobs'];

interface JobRow {
  id: string; type: string; queue: string; status: string;
  createdAgo?: string; completedAgo?: string | null; scheduleName?: string;
}

/** Inserts jobs with times relative to now(), e.g. createdAgo '3 days'. */
async function insertJobs(pool: pg.Pool, schema: string, jobs: JobRow[]): Promise<void> {
  for (const job of jobs) {
    await pool.query(
      `INSERT INTO ${pg.escapeIdentifier(schema)}.jobs
         (id, type, queue, status, schedule_name, created_at, started_at, completed_at)
       VALUES ($1, $2, $3, $4, $5, now() - $6::interval, now() - $6::interval,
               CASE WHEN $7::interval IS NULL THEN NULL ELSE now() - $7::interval END)`,
      [job.id, job.type, job.queue, job.status, job.scheduleName ?? null, job.createdAgo ?? '1 minute', job.completedAgo ?? null],
    );
  }
}

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function objectsIn(pool: pg.Pool, schema: string): Promise<{ relations: string[]; functions: string[] }> {
  const relations = await pool.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'v') ORDER BY 1`, [schema]);
  const functions = await pool.query<{ proname: string }>(
    `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 ORDER BY 1`, [schema]);
  return { relations: relations.rows.map((r) => r.relname), functions: functions.rows.map((r) => r.proname) };
}

describe('db/record schema', () => {
  describe('migrations', () => {
    let url: string;
    let pool: pg.Pool;
    before(async () => {
      url = await createTestDatabase('record_mig');
      pool = new pg.Pool({ connectionString: url });
    });
    after(async () => {
      await pool.end();
    });

    it('five concurrent migrateRecord calls on a fresh database apply each migration exactly once', async () => {
      expect(await recordMigrationsPending(pool)).to.deep.equal(RECORD_NAMES);
      const pools = Array.from({ length: 5 }, () => new pg.Pool({ connectionString: url, max: 1 }));
      try {
        const results = await Promise.all(pools.map((p) => migrateRecord(p)));
        expect(results.flatMap((result) => result.applied).sort()).to.deep.equal([...RECORD_NAMES].sort());
      } finally {
        await Promise.all(pools.map((p) => p.end()));
      }
      const { rows } = await pool.query('SELECT package, name FROM public.nself_jobs_migrations ORDER BY name');
      expect(rows).to.deep.equal(RECORD_NAMES.map((name) => ({ package: RECORD_PACKAGE_NAME, name })));
      expect(await migrateRecord(pool)).to.deep.equal({ applied: [] });
      expect(await recordMigrationsPending(pool)).to.deep.equal([]);
    });

    it('creates every table, view and function', async () => {
      const { relations, functions } = await objectsIn(pool, 'public');
      expect(relations).to.include.members([...TABLES, ...VIEWS]);
      expect(functions).to.include.members(FUNCTIONS);
    });

    it('reports record migrations a newer version applied', async () => {
      const options = { schema: 'public', packageName: RECORD_PACKAGE_NAME, migrations: RECORD_MIGRATIONS };
      await pool.query(`INSERT INTO public.nself_jobs_migrations (package, name) VALUES ($1, '0099-from-the-future')`, [RECORD_PACKAGE_NAME]);
      expect(await unknownAppliedMigrations(pool, options)).to.deep.equal(['0099-from-the-future']);
      expect(await pendingMigrations(pool, options)).to.deep.equal([]);
    });

    it('keeps everything in a custom schema and nothing in public', async () => {
      const customUrl = await createTestDatabase('record_custom');
      const custom = new pg.Pool({ connectionString: customUrl });
      try {
        expect(await migrateRecord(custom, 'jobs_test')).to.deep.equal({ applied: RECORD_NAMES });
        const inSchema = await objectsIn(custom, 'jobs_test');
        expect(inSchema.relations).to.have.members([...TABLES, ...VIEWS]);
        expect(inSchema.functions).to.have.members(FUNCTIONS);
        expect(await objectsIn(custom, 'public')).to.deep.equal({ relations: [], functions: [] });
        expect(await recordMigrationsPending(custom, 'jobs_test')).to.deep.equal([]);
        expect(await recordMigrationsPending(custom)).to.deep.equal(RECORD_NAMES);

        // The functions reach their tables whatever the caller's search_path.
        await insertJobs(custom, 'jobs_test', [{ id: uuid(1), type: 't', queue: 'default', status: 'completed', createdAgo: '3 days', completedAgo: '3 days' }]);
        const client = await custom.connect();
        try {
          await client.query('SET search_path = public');
          expect((await client.query('SELECT jobs_test.cleanup_old_jobs() AS n')).rows[0].n).to.equal(1);
          expect((await client.query('SELECT count(*)::int AS n FROM jobs_test.get_job_stats(NULL, 100)')).rows[0].n).to.equal(0);
        } finally {
          client.release();
        }
      } finally {
        await custom.end();
      }
    });

    it('works in a schema whose name needs quoting', async () => {
      const schema = 'Jobs "Odd" $fn$ Schema';
      const q = pg.escapeIdentifier(schema);
      expect(await migrateRecord(pool, schema)).to.deep.equal({ applied: RECORD_NAMES });
      await insertJobs(pool, schema, [{ id: uuid(2), type: 't', queue: 'q', status: 'failed', createdAgo: '9 days', completedAgo: '9 days' }]);
      expect((await pool.query(`SELECT ${q}.cleanup_old_failed_jobs() AS n`)).rows[0].n).to.equal(1);
      expect((await pool.query(`SELECT count(*)::int AS n FROM ${q}.get_job_stats()`)).rows[0].n).to.equal(0);
    });
  });
});
