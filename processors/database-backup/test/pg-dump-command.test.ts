import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isPermanentJobError } from '@nself-jobs/sdk';
import { connectionFromEnv, connectionUrl } from '../src/connection.js';
import { findPgDump } from '../src/find-pg-dump.js';
import { pgDumpCommand } from '../src/pg-dump-command.js';
import { splitQualifiedName, tablePattern } from '../src/table-pattern.js';
import { rejection } from './job-context.js';

const SECRET = 'p@ss w:rd/"s3cret"';

function command(env: Record<string, string>, extra: Partial<Parameters<typeof pgDumpCommand>[0]> = {}) {
  const connection = connectionFromEnv(env);
  return pgDumpCommand({
    binary: '/usr/bin/pg_dump', connection, database: extra.database ?? connection.database,
    format: 'custom', tables: [], baseEnv: { PATH: '/usr/bin', PGPASSWORD: 'stale' }, ...extra,
  });
}

describe('pg_dump command (pure)', () => {
  it('never puts the password on the command line: DATABASE_URL', () => {
    const url = `postgres://backup:${encodeURIComponent(SECRET)}@db.internal:6543/app?sslmode=require&password=${encodeURIComponent(SECRET)}`;
    const cmd = command({ DATABASE_URL: url });
    const argv = cmd.args.join(' ');
    expect(argv).to.not.include('s3cret');
    expect(argv).to.not.include(encodeURIComponent(SECRET));
    expect(cmd.env.PGPASSWORD).to.equal(SECRET);
    expect(cmd.args).to.deep.equal([
      '--dbname=postgresql://backup@db.internal:6543/app?sslmode=require', '--format=custom', '--no-password', '--compress=0',
    ]);
  });

  it('never puts the password on the command line: POSTGRES_*', () => {
    const cmd = command({ POSTGRES_HOST: 'pg', POSTGRES_PORT: '5433', POSTGRES_USER: 'admin', POSTGRES_PASSWORD: SECRET, POSTGRES_DB: 'main' });
    expect(cmd.args.join(' ')).to.not.include('s3cret');
    expect(cmd.env.PGPASSWORD).to.equal(SECRET);
    expect(cmd.args[0]).to.equal('--dbname=postgresql://admin@pg:5433/main');
  });

  it('honours the job database with either configuration, encoded so it cannot become options', () => {
    expect(command({ DATABASE_URL: 'postgres://u:pw@h/app' }, { database: 'other' }).args[0]).to.equal('--dbname=postgresql://u@h:5432/other');
    expect(command({ POSTGRES_DB: 'main' }, { database: 'other' }).args[0]).to.equal('--dbname=postgresql://postgres@localhost:5432/other');
    const sneaky = command({ POSTGRES_DB: 'main' }, { database: 'x host=evil.example port=1' }).args[0]!;
    expect(sneaky).to.equal('--dbname=postgresql://postgres@localhost:5432/x%20host%3Devil.example%20port%3D1');
  });

  it('keeps the inherited environment but not a stale PGPASSWORD when one is configured, and no prompt', () => {
    const cmd = command({ DATABASE_URL: 'postgres://u:fresh@h/app' });
    expect(cmd.env.PGPASSWORD).to.equal('fresh');
    expect(cmd.env.PATH).to.equal('/usr/bin');
    expect(cmd.args).to.include('--no-password');
    expect(command({ DATABASE_URL: 'postgres://u@h/app' }).env.PGPASSWORD).to.equal('stale'); // libpq's own fallback
  });

  it('writes socket directories and IPv6 hosts the way libpq reads them', () => {
    const socket = connectionFromEnv({ POSTGRES_HOST: '/var/run/postgresql', POSTGRES_USER: 'me' });
    expect(connectionUrl(socket, 'db')).to.equal('postgresql://me@/db?host=%2Fvar%2Frun%2Fpostgresql&port=5432');
    const v6 = connectionFromEnv({ DATABASE_URL: 'postgresql://u@[::1]:5544/d' });
    expect(connectionUrl(v6, 'd')).to.equal('postgresql://u@[::1]:5544/d');
  });

  it('uses plain format without --compress and one --table=<quoted pattern> per table', () => {
    const cmd = command({ POSTGRES_DB: 'main' }, { format: 'plain', tables: ['users', 'Audit.Events', '"we.ird"""', '-t'] });
    expect(cmd.args.slice(1)).to.deep.equal([
      '--format=plain', '--no-password', '--table="users"', '--table="Audit"."Events"', '--table="we.ird"""', '--table="-t"',
    ]);
  });

  it('splits and quotes table names exactly', () => {
    expect(splitQualifiedName('public.users')).to.deep.equal(['public', 'users']);
    expect(splitQualifiedName('"a.b"."c""d"')).to.deep.equal(['a.b', 'c"d']);
    expect(tablePattern('Mixed*Case?')).to.equal('"Mixed*Case?"');
    for (const bad of ['a.b.c', '.x', 'x.', '"open', '"a"b']) {
      expect(() => splitQualifiedName(bad), bad).to.throw(/is not a table name/);
    }
  });

  it('refuses a DATABASE_URL it cannot use, without echoing it', async () => {
    const error = await rejection(Promise.resolve().then(() => connectionFromEnv({ DATABASE_URL: 'postgres://u:s3cret@h1:5432,h2:5432/db' })));
    expect(isPermanentJobError(error)).to.equal(true);
    expect(error.message).to.match(/DATABASE_URL is not a valid/).and.not.include('s3cret');
    expect(() => connectionFromEnv({ DATABASE_URL: 'mysql://u@h/db' })).to.throw(/must start with postgres/);
    expect(() => connectionFromEnv({ DATABASE_URL: 'postgres://u@h/db?sslpassword=x' })).to.throw(/sslpassword/);
  });

  it('finds the newest pg_dump under a Debian-style root, else on PATH, else says what to install', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pgroot-'));
    try {
      for (const version of ['9.6', '15', '13']) {
        fs.mkdirSync(path.join(root, version, 'bin'), { recursive: true });
        fs.writeFileSync(path.join(root, version, 'bin', 'pg_dump'), '#!/bin/sh\n', { mode: 0o755 });
      }
      expect(findPgDump({}, root)).to.equal(path.join(root, '15', 'bin', 'pg_dump'));
      fs.mkdirSync(path.join(root, 'path'));
      fs.writeFileSync(path.join(root, 'path', 'pg_dump'), '#!/bin/sh\n', { mode: 0o755 });
      expect(findPgDump({ PATH: path.join(root, 'path') }, path.join(root, 'none'))).to.equal(path.join(root, 'path', 'pg_dump'));
      expect(() => findPgDump({ PATH: '' }, path.join(root, 'none'))).to.throw(/pg_dump not found.*postgresql-client/);
      expect(() => findPgDump({ JOBS_BACKUP_PG_DUMP: path.join(root, 'nope') })).to.throw(/JOBS_BACKUP_PG_DUMP/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
