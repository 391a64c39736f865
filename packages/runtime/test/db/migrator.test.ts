import { expect } from 'chai';
import pg from 'pg';
import { createTestDatabase } from '@nself-jobs/test-helpers';
import {
  MigrationError, pendingMigrations, runMigrations, unknownAppliedMigrations, type Migration,
} from '../../src/db/index.js';

/** A migration that creates one table, so its effect (or its absence) can be seen. */
const createTable = (name: string, table: string): Migration => ({
  name,
  async up(client, { quotedSchema }) {
    await client.query(`CREATE TABLE ${quotedSchema}.${pg.escapeIdentifier(table)} (id int)`);
  },
});

async function tableExists(pool: pg.Pool, schema: string, table: string): Promise<boolean> {
  const { rows } = await pool.query('SELECT to_regclass($1) AS oid', [`${pg.escapeIdentifier(schema)}.${table}`]);
  return rows[0].oid !== null;
}

async function ledger(pool: pg.Pool, schema: string): Promise<Array<{ package: string; name: string }>> {
  const { rows } = await pool.query(
    `SELECT package, name FROM ${pg.escapeIdentifier(schema)}.nself_jobs_migrations ORDER BY package, name`,
  );
  return rows;
}

describe('db/migrator', () => {
  let url: string;
  let pool: pg.Pool;

  before(async () => {
    url = await createTestDatabase('migrator');
    pool = new pg.Pool({ connectionString: url });
  });
  after(async () => {
    await pool.end();
  });

  it('applies pending migrations once, then nothing on a second run', async () => {
    const options = { schema: 'once', packageName: 'pkg-once', migrations: [createTable('0001-a', 'a'), createTable('0002-b', 'b')] };
    expect(await runMigrations(pool, options)).to.deep.equal({ applied: ['0001-a', '0002-b'] });
    expect(await runMigrations(pool, options)).to.deep.equal({ applied: [] });
    expect(await tableExists(pool, 'once', 'a')).to.equal(true);
    expect(await ledger(pool, 'once')).to.deep.equal([
      { package: 'pkg-once', name: '0001-a' },
      { package: 'pkg-once', name: '0002-b' },
    ]);

    const more = { ...options, migrations: [...options.migrations, createTable('0003-c', 'c')] };
    expect(await pendingMigrations(pool, more)).to.deep.equal(['0003-c']);
    expect(await runMigrations(pool, more)).to.deep.equal({ applied: ['0003-c'] });
  });

  it('keeps each package to its own rows of the shared ledger', async () => {
    const schema = 'shared_ledger';
    await runMigrations(pool, { schema, packageName: 'pkg-a', migrations: [createTable('0001-init', 'from_a')] });
    const b = { schema, packageName: 'pkg-b', migrations: [createTable('0001-init', 'from_b')] };
    expect(await pendingMigrations(pool, b)).to.deep.equal(['0001-init']);
    expect(await runMigrations(pool, b)).to.deep.equal({ applied: ['0001-init'] });
    expect(await ledger(pool, schema)).to.deep.equal([
      { package: 'pkg-a', name: '0001-init' },
      { package: 'pkg-b', name: '0001-init' },
    ]);
  });

  it('rolls a failing migration back, names it, and keeps the ones before it', async () => {
    const schema = 'failing';
    const broken: Migration = {
      name: '0002-broken',
      async up(client, { quotedSchema }) {
        await client.query(`CREATE TABLE ${quotedSchema}.half_done (id int)`);
        await client.query(`INSERT INTO ${quotedSchema}.no_such_table VALUES (1)`);
      },
    };
    const options = { schema, packageName: 'pkg-failing', migrations: [createTable('0001-ok', 'ok'), broken] };
    let caught: unknown;
    try {
      await runMigrations(pool, options);
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(MigrationError);
    const error = caught as MigrationError;
    expect(error.code).to.equal('MIGRATION_FAILED');
    expect(error.migrationName).to.equal('0002-broken');
    expect(error.packageName).to.equal('pkg-failing');
    expect(error.message).to.include('0002-broken').and.include('pkg-failing').and.include('no_such_table');
    expect((error.cause as { code?: string }).code).to.equal('42P01');

    expect(await tableExists(pool, schema, 'ok')).to.equal(true);
    expect(await tableExists(pool, schema, 'half_done')).to.equal(false);
    expect(await ledger(pool, schema)).to.deep.equal([{ package: 'pkg-failing', name: '0001-ok' }]);

    // The lock was released and the client is usable again: a fixed migration goes through.
    const fixed = { ...options, migrations: [options.migrations[0], createTable('0002-broken', 'half_done')] };
    expect(await runMigrations(pool, fixed)).to.deep.equal({ applied: ['0002-broken'] });
  });

  it('serialises concurrent runs from several processes with the advisory lock', async () => {
    const schema = 'concurrent';
    const slow: Migration = {
      name: '0001-slow',
      async up(client, { quotedSchema }) {
        await client.query(`CREATE TABLE ${quotedSchema}.runs (n int)`);
        await client.query('SELECT pg_sleep(0.2)');
        await client.query(`INSERT INTO ${quotedSchema}.runs VALUES (1)`);
      },
    };
    const options = { schema, packageName: 'pkg-concurrent', migrations: [slow, createTable('0002-next', 'next')] };
    // One pool each, as separate processes would have.
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: url, max: 1 }));
    try {
      const results = await Promise.all(pools.map((p) => runMigrations(p, options)));
      const applied = results.flatMap((result) => result.applied).sort();
      expect(applied).to.deep.equal(['0001-slow', '0002-next']);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${schema}.runs`)).rows[0].n).to.equal(1);
  });

  it('reports pending migrations without creating anything', async () => {
    const options = { schema: 'never_created', packageName: 'pkg-pending', migrations: [createTable('0001-x', 'x')] };
    expect(await pendingMigrations(pool, options)).to.deep.equal(['0001-x']);
    expect(await unknownAppliedMigrations(pool, options)).to.deep.equal([]);
    const { rowCount } = await pool.query("SELECT 1 FROM pg_namespace WHERE nspname = 'never_created'");
    expect(rowCount).to.equal(0);

    // Schema present but no ledger yet: still read-only and complete.
    await pool.query('CREATE SCHEMA no_ledger');
    expect(await pendingMigrations(pool, { ...options, schema: 'no_ledger' })).to.deep.equal(['0001-x']);
    expect(await tableExists(pool, 'no_ledger', 'nself_jobs_migrations')).to.equal(false);
  });

  it('reports ledger rows the code does not know (a newer database)', async () => {
    const schema = 'newer_db';
    const options = { schema, packageName: 'pkg-newer', migrations: [createTable('0001-x', 'x')] };
    await runMigrations(pool, options);
    expect(await unknownAppliedMigrations(pool, options)).to.deep.equal([]);
    await pool.query(
      `INSERT INTO ${schema}.nself_jobs_migrations (package, name) VALUES ('pkg-newer', '0002-from-the-future'), ('other-pkg', '0009-not-ours')`,
    );
    expect(await unknownAppliedMigrations(pool, options)).to.deep.equal(['0002-from-the-future']);
    expect(await pendingMigrations(pool, options)).to.deep.equal([]);
  });

  it('quotes schema names instead of pasting them into SQL', async () => {
    const schema = 'odd "schema"; DROP TABLE x; --';
    const options = { schema, packageName: 'pkg-odd', migrations: [createTable('0001-t', 't')] };
    expect(await runMigrations(pool, options)).to.deep.equal({ applied: ['0001-t'] });
    expect(await tableExists(pool, schema, 't')).to.equal(true);
    expect(await pendingMigrations(pool, options)).to.deep.equal([]);
  });

  it('refuses invalid options before touching the database', async () => {
    const attempt = async (options: Parameters<typeof runMigrations>[1]) => {
      try {
        await runMigrations(pool, options);
      } catch (error) {
        return error as MigrationError;
      }
      throw new Error('expected a refusal');
    };
    const duplicate = await attempt({ schema: 'dup', packageName: 'pkg-dup', migrations: [createTable('0001', 'a'), createTable('0001', 'b')] });
    expect(duplicate.code).to.equal('MIGRATION_INVALID');
    expect(duplicate.message).to.include('pkg-dup').and.include('0001');
    const long = await attempt({ schema: 'x'.repeat(64), packageName: 'pkg-long', migrations: [] });
    expect(long.code).to.equal('MIGRATION_INVALID');
    expect(await tableExists(pool, 'dup', 'a')).to.equal(false);
  });
});
