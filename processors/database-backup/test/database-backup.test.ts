import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import zlib from 'node:zlib';
import { isPermanentJobError, isRetryLaterError } from '@nself-jobs/sdk';
import processor, { decryptBackup } from '../src/index.js';
import { rejection, runJob } from './job-context.js';
import {
  createReadRole, databaseName, freshDatabase, recordingPgDump, restoreCustom, restorePlain, seedDatabase, snapshot, sql, tableNames, urlFor,
} from './postgres.js';

const KEY = crypto.randomBytes(32).toString('hex');

describe('database-backup processor (against a real PostgreSQL)', function () {
  this.timeout(30000);
  let sourceUrl: string;
  let source: string;
  let expected: Awaited<ReturnType<typeof snapshot>>;
  let tmp: string;
  let backupDir: string;

  before(async () => {
    sourceUrl = await freshDatabase('backup_src');
    source = databaseName(sourceUrl);
    await seedDatabase(sourceUrl);
    expected = await snapshot(sourceUrl);
  });
  beforeEach(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'db-backup-')));
    backupDir = path.join(tmp, 'backups');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH, DATABASE_URL: sourceUrl, JOBS_BACKUP_DIR: backupDir, ...extra });
  const filesIn = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }) as string[] : []);

  it('declares the database-backup type', () => {
    expect(processor.type).to.equal('database-backup');
    expect(processor.setup).to.be.a('function');
  });

  it('custom format + gzip into a directory: generated name, result, and pg_restore gives the same rows', async () => {
    const result = await runJob({ destination: 'nightly/' }, env());
    expect(result.destination).to.match(new RegExp(`^${backupDir}/nightly/${source}-\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}-\\d{3}Z\\.dump\\.gz$`));
    expect(result).to.include({ format: 'custom', compression: 'gzip', encrypted: false, database: source });
    const stored = fs.readFileSync(result.destination);
    expect(result.bytes).to.equal(stored.length);
    expect(result.sha256).to.equal(crypto.createHash('sha256').update(stored).digest('hex'));
    expect(result.durationMs).to.be.a('number').and.at.least(0);
    expect(stored.subarray(0, 2).toString('hex')).to.equal('1f8b');
    expect((fs.statSync(result.destination).mode & 0o777).toString(8)).to.equal('600');
    expect(filesIn(path.join(backupDir, 'nightly'))).to.have.lengthOf(1); // no .partial left

    const dump = path.join(tmp, 'restore.dump');
    fs.writeFileSync(dump, zlib.gunzipSync(stored));
    expect(fs.readFileSync(dump).subarray(0, 5).toString()).to.equal('PGDMP');
    const restored = await freshDatabase('backup_dst');
    await restoreCustom(dump, restored);
    expect(await snapshot(restored)).to.deep.equal(expected);
  });

  it('plain format without compression to a named file, restored with psql', async () => {
    const result = await runJob({ destination: path.join(backupDir, 'plain', 'latest.sql'), format: 'plain', compression: 'none' }, env());
    expect(result.destination).to.equal(path.join(backupDir, 'plain', 'latest.sql'));
    const text = fs.readFileSync(result.destination, 'utf8');
    expect(text).to.include('PostgreSQL database dump');
    const restored = await freshDatabase('backup_dst');
    await restorePlain(result.destination, restored);
    expect(await snapshot(restored)).to.deep.equal(expected);
  });

  it('dumps only the listed tables (exact, case-sensitive names)', async () => {
    const result = await runJob({ destination: 'one.sql.gz', format: 'plain', tables: ['audit.Events'] }, env());
    const restored = await freshDatabase('backup_dst');
    await sql(restored, 'CREATE SCHEMA audit');
    const file = path.join(tmp, 'one.sql');
    fs.writeFileSync(file, zlib.gunzipSync(fs.readFileSync(result.destination)));
    await restorePlain(file, restored);
    expect(await tableNames(restored)).to.deep.equal(['audit.Events']);
    expect(await sql(restored, 'SELECT count(*)::int AS n FROM audit."Events"')).to.deep.equal([{ n: 20 }]);
    const none = await rejection(runJob({ destination: 'x.sql', tables: ['audit.events'] }, env()));
    expect(none.message).to.match(/no matching tables were found/);
  });

  it('encrypted: decryptBackup + gunzip + pg_restore round trip; tampered and truncated copies refused', async () => {
    const result = await runJob({ destination: 'enc/', encryption: true }, env({ JOBS_BACKUP_ENCRYPTION_KEY: KEY }));
    expect(result.destination).to.match(/\.dump\.gz\.enc$/);
    expect(result.encrypted).to.equal(true);
    const sealed = fs.readFileSync(result.destination);
    expect(sealed.subarray(0, 5).toString()).to.equal('NSJB1');
    expect(result.sha256).to.equal(crypto.createHash('sha256').update(sealed).digest('hex'));

    const gz = path.join(tmp, 'restore.dump.gz');
    await decryptBackup(result.destination, gz, KEY);
    const dump = path.join(tmp, 'restore.dump');
    fs.writeFileSync(dump, zlib.gunzipSync(fs.readFileSync(gz)));
    const restored = await freshDatabase('backup_dst');
    await restoreCustom(dump, restored);
    expect(await snapshot(restored)).to.deep.equal(expected);

    const tampered = Buffer.from(sealed);
    tampered[Math.floor(sealed.length / 2)] ^= 0x04;
    fs.writeFileSync(path.join(tmp, 'tampered.enc'), tampered);
    fs.writeFileSync(path.join(tmp, 'truncated.enc'), sealed.subarray(0, sealed.length - 1));
    for (const name of ['tampered', 'truncated']) {
      const error = await rejection(decryptBackup(path.join(tmp, `${name}.enc`), path.join(tmp, `${name}.out`), KEY));
      expect(error.code).to.equal('BACKUP_DECRYPT_FAILED');
      expect(fs.existsSync(path.join(tmp, `${name}.out`))).to.equal(false);
    }
    expect(filesIn(tmp).filter((f) => f.includes('partial'))).to.deep.equal([]);
  });

  it('encryption without a key (or with a malformed one) fails clearly, before writing anything', async () => {
    const missing = await rejection(runJob({ destination: 'x/', encryption: true }, env()));
    expect(isPermanentJobError(missing)).to.equal(true);
    expect(missing.message).to.match(/JOBS_BACKUP_ENCRYPTION_KEY is not set/);
    const bad = await rejection(runJob({ destination: 'x/', encryption: true }, env({ JOBS_BACKUP_ENCRYPTION_KEY: 'hunter2' })));
    expect(isPermanentJobError(bad)).to.equal(true);
    expect(bad.message).to.match(/JOBS_BACKUP_ENCRYPTION_KEY must be a 32-byte key/).and.not.include('hunter2');
    expect(filesIn(backupDir)).to.deep.equal([]);
  });

  it('passes the password in PGPASSWORD only: the real pg_dump argv never holds it', async () => {
    const role = await createReadRole();
    try {
      const recorder = recordingPgDump(tmp);
      const result = await runJob({ destination: 'role/' }, env({
        DATABASE_URL: urlFor(source, role), JOBS_BACKUP_PG_DUMP: recorder.binary,
      }));
      expect(recorder.pgpassword()).to.equal(role.password);
      const argv = recorder.argv();
      expect(argv.join(' ')).to.not.include(role.password);
      expect(argv[0]).to.equal(`--dbname=${urlFor(source).replace(/^postgres:\/\/postgres@/, `postgresql://${role.name}@`)}`);
      expect(result.bytes).to.be.greaterThan(0);
      const restored = await freshDatabase('backup_dst');
      const dump = path.join(tmp, 'r.dump');
      fs.writeFileSync(dump, zlib.gunzipSync(fs.readFileSync(result.destination)));
      await restoreCustom(dump, restored);
      expect(await snapshot(restored)).to.deep.equal(expected);
    } finally {
      await role.drop();
    }
  });

  it('takes the connection from POSTGRES_* and honours the job database', async () => {
    const url = new URL(sourceUrl);
    const other = await freshDatabase('backup_other');
    await sql(other, 'CREATE TABLE only_here (x int); INSERT INTO only_here VALUES (42)');
    const result = await runJob({ destination: 'pg/', database: databaseName(other), format: 'plain', compression: 'none' }, {
      PATH: process.env.PATH, JOBS_BACKUP_DIR: backupDir,
      POSTGRES_HOST: url.hostname, POSTGRES_PORT: url.port, POSTGRES_USER: 'postgres', POSTGRES_DB: source,
    });
    expect(result.database).to.equal(databaseName(other));
    expect(fs.readFileSync(result.destination, 'utf8')).to.include('only_here').and.not.include('CREATE TABLE public.users');
  });

  it('pg_dump failing (no such database) fails with its stderr, permanently, and leaves no file', async () => {
    const error = await rejection(runJob({ destination: 'fail/', database: 'no_such_database_x' }, env()));
    expect(isPermanentJobError(error)).to.equal(true);
    expect(error.message).to.match(/^pg_dump exited with code 1 while dumping 127\.0\.0\.1:\d+\/no_such_database_x: .*database "no_such_database_x" does not exist/s);
    expect(filesIn(path.join(backupDir, 'fail'))).to.deep.equal([]);
  });

  it('pg_dump unable to connect is retried (not permanent) and leaves no file', async () => {
    const error = await rejection(runJob({ destination: 'down.dump' }, env({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' })));
    expect(isPermanentJobError(error)).to.equal(false);
    expect(isRetryLaterError(error)).to.equal(false);
    expect(error.code).to.equal('PG_DUMP_FAILED');
    expect(error.message).to.match(/pg_dump exited with code 1 .*127\.0\.0\.1.*1/s);
    expect(filesIn(backupDir)).to.deep.equal([]);
  });

  it('refuses destinations outside JOBS_BACKUP_DIR, with "..", or without JOBS_BACKUP_DIR', async () => {
    for (const destination of ['/etc/nself-backup.dump', '../escape.dump', 'a/../../escape.dump', `${tmp}/elsewhere/`]) {
      const error = await rejection(runJob({ destination }, env()));
      expect(isPermanentJobError(error), destination).to.equal(true);
      expect(error.message).to.match(/outside JOBS_BACKUP_DIR|must not contain "\.\."/);
    }
    const none = await rejection(runJob({ destination: 'x/' }, { PATH: process.env.PATH, DATABASE_URL: sourceUrl }));
    expect(none.message).to.match(/need JOBS_BACKUP_DIR/);
    expect(filesIn(tmp).filter((f) => !f.startsWith('backups'))).to.deep.equal([]);
    expect(fs.existsSync('/etc/nself-backup.dump')).to.equal(false);
  });

  describe('a large database (about 50 MB of rows)', () => {
    let bigUrl: string;
    before(async function () {
      this.timeout(60000);
      bigUrl = await freshDatabase('backup_big');
      // 200,000 rows x 256 characters of hex: ~52 MB as a plain dump, and it does not compress away
      // in the encrypted, uncompressed variant used below.
      await sql(bigUrl, `CREATE UNLOGGED TABLE big AS SELECT g AS id, repeat(md5(g::text), 8) AS filler FROM generate_series(1, 200000) g`);
    });

    it('streams with flat memory: live memory and RSS grow far less than the dump size', async () => {
      // V8 frees a Buffer's memory only when a GC collects its small JS object, and on its own it lets
      // some 30 MB of such garbage pile up whatever the dump size. A young-generation GC every 25 ms
      // (cheap) takes that noise away, so what is measured is what the backup keeps alive: a
      // buffering implementation would hold the whole 50 MB, a streaming one a few chunks.
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
      gc();
      const before = process.memoryUsage();
      let peakRss = before.rss;
      let peakLive = before.heapUsed + before.arrayBuffers;
      const timer = setInterval(() => {
        gc({ type: 'minor' });
        const now = process.memoryUsage();
        peakRss = Math.max(peakRss, now.rss);
        peakLive = Math.max(peakLive, now.heapUsed + now.arrayBuffers);
      }, 25);
      const progress: unknown[] = [];
      let result;
      try {
        result = await runJob({ destination: 'big/', database: databaseName(bigUrl), format: 'plain', compression: 'none', encryption: true },
          env({ JOBS_BACKUP_ENCRYPTION_KEY: KEY }), { progress });
      } finally {
        clearInterval(timer);
      }
      const rssGrowth = peakRss - before.rss;
      const liveGrowth = peakLive - (before.heapUsed + before.arrayBuffers);
      const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
      console.log(`      dump ${mb(result.bytes)} in ${result.durationMs} ms; peak growth: RSS ${mb(rssGrowth)}, live ${mb(liveGrowth)}`);
      expect(result.bytes).to.be.greaterThan(50 * 1024 * 1024);
      expect(rssGrowth).to.be.below(result.bytes / 3);
      expect(liveGrowth).to.be.below(result.bytes / 3);
      expect(progress.length).to.be.at.least(1);
      expect(progress.at(-1)).to.deep.equal({ bytes: result.bytes });
      const hash = crypto.createHash('sha256');
      for await (const chunk of fs.createReadStream(result.destination)) hash.update(chunk as Buffer);
      expect(hash.digest('hex')).to.equal(result.sha256);
    });

    it('context.signal aborts the dump: pg_dump is killed and no partial file remains', async () => {
      const recorder = recordingPgDump(tmp);
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 150);
      const error = await rejection(runJob({ destination: 'aborted/', database: databaseName(bigUrl), compression: 'none' },
        env({ JOBS_BACKUP_PG_DUMP: recorder.binary }), { signal: controller.signal }));
      expect(error.code).to.equal('BACKUP_ABORTED');
      expect(Date.now() - started).to.be.below(5000);
      expect(() => process.kill(recorder.pid(), 0)).to.throw(/ESRCH/);
      expect(filesIn(path.join(backupDir, 'aborted'))).to.deep.equal([]);
    });

    it('an abort reason from the runtime (its timeout error) is passed through unchanged', async () => {
      const controller = new AbortController();
      const timeout = Object.assign(new Error('job timed out after 100 ms'), { code: 'JOB_TIMEOUT' });
      setTimeout(() => controller.abort(timeout), 100);
      const error = await rejection(runJob({ destination: 'timeout/', database: databaseName(bigUrl) }, env(), { signal: controller.signal }));
      expect(error).to.equal(timeout);
      expect(filesIn(path.join(backupDir, 'timeout'))).to.deep.equal([]);
    });
  });
});
