import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { createTestDatabase, testPostgresUrl, waitFor } from '@nself-jobs/test-helpers';

const run = promisify(execFile);

/**
 * createTestDatabase, once the shared server accepts queries: the global setup only waits for
 * its port, and a file whose first test needs the database can otherwise meet "the database
 * system is starting up".
 */
export async function freshDatabase(prefix: string): Promise<string> {
  await waitFor(async () => (await sql(testPostgresUrl(), 'SELECT 1 AS ok'))[0]?.ok === 1, 'PostgreSQL to accept queries', 20000, 100);
  return createTestDatabase(prefix);
}

/** A binary of the test server's PostgreSQL (pg_restore, psql, pg_dump). */
export function pgBin(name: string): string {
  const dir = process.env.TEST_POSTGRES_BIN_DIR;
  if (!dir) throw new Error('TEST_POSTGRES_BIN_DIR is not set: run the tests through mocha');
  return path.join(dir, name);
}

export async function sql<T = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** users (500 rows), audit."Events" (mixed case, jsonb) and a sequence: enough to tell a real restore. */
export async function seedDatabase(url: string): Promise<void> {
  await sql(url, `
    CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, note text, born date);
    INSERT INTO users (name, email, note, born)
      SELECT 'user ' || g, 'u' || g || '@example.com', CASE WHEN g % 7 = 0 THEN E'tab\\there, quote '' and\\nnewline' END,
             date '1990-01-01' + g
      FROM generate_series(1, 500) g;
    CREATE SCHEMA audit;
    CREATE TABLE audit."Events" (id bigint PRIMARY KEY, payload jsonb NOT NULL);
    INSERT INTO audit."Events" SELECT g, jsonb_build_object('n', g, 'ok', g % 2 = 0) FROM generate_series(1, 20) g;
  `);
}

/** Everything a restore must reproduce, as comparable JSON. */
export async function snapshot(url: string): Promise<{ users: unknown[]; events: unknown[]; nextId: unknown }> {
  const users = await sql(url, 'SELECT id, name, email, note, born::text FROM users ORDER BY id');
  const events = await sql(url, 'SELECT id::text, payload FROM audit."Events" ORDER BY id');
  const [seq] = await sql(url, "SELECT last_value::text FROM users_id_seq");
  return { users, events, nextId: seq?.last_value };
}

export async function tableNames(url: string): Promise<string[]> {
  const rows = await sql<{ name: string }>(url, `
    SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
    WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`);
  return rows.map((r) => r.name);
}

export async function restoreCustom(file: string, url: string): Promise<void> {
  await run(pgBin('pg_restore'), ['--no-owner', '--exit-on-error', `--dbname=${url}`, file]);
}

export async function restorePlain(file: string, url: string): Promise<void> {
  await run(pgBin('psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', `--dbname=${url}`, '-f', file]);
}

/** A login role with a password, allowed to read everything (pg_read_all_data). */
export async function createReadRole(): Promise<{ name: string; password: string; drop(): Promise<void> }> {
  const name = `backup_${crypto.randomBytes(4).toString('hex')}`;
  const password = `pw-${crypto.randomBytes(12).toString('hex')}`;
  await sql(testPostgresUrl(), `CREATE ROLE ${name} LOGIN PASSWORD '${password}'; GRANT pg_read_all_data TO ${name}`);
  return { name, password, drop: async () => { await sql(testPostgresUrl(), `DROP ROLE IF EXISTS ${name}`); } };
}

/** The test server's URL for `database` as `user:password`. */
export function urlFor(database: string, user?: { name: string; password: string }): string {
  const url = new URL(testPostgresUrl());
  url.pathname = `/${database}`;
  if (user) {
    url.username = user.name;
    url.password = user.password;
  }
  return url.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/**
 * A pg_dump wrapper for JOBS_BACKUP_PG_DUMP that records the argv and PGPASSWORD it was given
 * and its pid (exec keeps the pid), then runs the real pg_dump: proof of what the processor ran.
 */
export function recordingPgDump(dir: string): { binary: string; argv(): string[]; pgpassword(): string; pid(): number } {
  const binary = path.join(dir, 'pg_dump-recorder');
  fs.writeFileSync(binary, [
    '#!/bin/sh',
    `printf '%s\\n' "$@" > '${dir}/argv'`,
    `printf '%s' "$PGPASSWORD" > '${dir}/pgpassword'`,
    `echo $$ > '${dir}/pid'`,
    `exec '${pgBin('pg_dump')}' "$@"`,
    '',
  ].join('\n'), { mode: 0o755 });
  return {
    binary,
    argv: () => fs.readFileSync(path.join(dir, 'argv'), 'utf8').split('\n').filter(Boolean),
    pgpassword: () => fs.readFileSync(path.join(dir, 'pgpassword'), 'utf8'),
    pid: () => Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8')),
  };
}
