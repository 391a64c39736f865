import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import sinon from 'sinon';
// The command lives in packages/cli; it is tested here, in-process, because it is this package's
// restore path and its logic (decryptBackup) lives here. It can move to packages/cli/test once the
// cli lists @nself-jobs/processor-database-backup among its dependencies.
import BackupDecrypt from '../../../packages/cli/src/commands/backup/decrypt.js';
import { runJob } from './job-context.js';
import { freshDatabase, restoreCustom, seedDatabase, snapshot } from './postgres.js';

const CLI_ROOT = fileURLToPath(new URL('../../../packages/cli/', import.meta.url));
const KEY = crypto.randomBytes(32).toString('hex');

interface CliRun { code: number; stdout: string; stderr: string }

/** Runs `jobs backup decrypt <argv>` in-process with `key` in the environment, capturing its output. */
async function jobsBackupDecrypt(argv: string[], key: string | undefined, cwd: string): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = sinon.stub(process.stdout, 'write').callsFake((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  const stderr = sinon.stub(process.stderr, 'write').callsFake((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; });
  const savedKey = process.env.JOBS_BACKUP_ENCRYPTION_KEY;
  const savedCwd = process.cwd();
  if (key === undefined) delete process.env.JOBS_BACKUP_ENCRYPTION_KEY;
  else process.env.JOBS_BACKUP_ENCRYPTION_KEY = key;
  process.chdir(cwd); // no stray .env from the repository
  let code = 0;
  try {
    await BackupDecrypt.run(argv, { root: CLI_ROOT });
  } catch (error) {
    const exit = (error as { oclif?: { exit?: number } }).oclif?.exit;
    if (exit === undefined) throw error;
    code = exit;
  } finally {
    process.chdir(savedCwd);
    if (savedKey === undefined) delete process.env.JOBS_BACKUP_ENCRYPTION_KEY;
    else process.env.JOBS_BACKUP_ENCRYPTION_KEY = savedKey;
    stdout.restore();
    stderr.restore();
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('jobs backup decrypt (the CLI command, in-process)', function () {
  this.timeout(30000);
  let tmp: string;
  let backupDir: string;
  let sourceUrl: string;
  let encrypted: string;

  before(async () => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-decrypt-')));
    backupDir = path.join(tmp, 'backups');
    sourceUrl = await freshDatabase('backup_cli');
    await seedDatabase(sourceUrl);
    const result = await runJob({ destination: 'app.dump.gz.enc', encryption: true }, {
      PATH: process.env.PATH, DATABASE_URL: sourceUrl, JOBS_BACKUP_DIR: backupDir, JOBS_BACKUP_ENCRYPTION_KEY: KEY,
    });
    encrypted = result.destination;
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('decrypts next to the file (without .enc); gunzip + pg_restore give the same rows', async () => {
    const run = await jobsBackupDecrypt([encrypted], KEY, tmp);
    expect(run.code).to.equal(0);
    const out = path.join(backupDir, 'app.dump.gz');
    expect(run.stdout).to.match(new RegExp(`^decrypted ${encrypted} -> ${out} \\(\\d+ bytes\\)`));
    const dump = path.join(tmp, 'app.dump');
    fs.writeFileSync(dump, zlib.gunzipSync(fs.readFileSync(out)));
    const restored = await freshDatabase('backup_dst');
    await restoreCustom(dump, restored);
    expect(await snapshot(restored)).to.deep.equal(await snapshot(sourceUrl));

    const again = await jobsBackupDecrypt([encrypted], KEY, tmp);
    expect(again.code).to.equal(2);
    expect(again.stderr).to.match(/already exists/);
    expect((await jobsBackupDecrypt([encrypted, '--force', '--json'], KEY, tmp)).stdout).to.include(`"output": "${out}"`);
  });

  it('refuses a tampered or truncated file with a clear message, exit 1, and no output file', async () => {
    const sealed = fs.readFileSync(encrypted);
    const tampered = Buffer.from(sealed);
    tampered[sealed.length - 40] ^= 0x10;
    fs.writeFileSync(path.join(tmp, 'tampered.enc'), tampered);
    fs.writeFileSync(path.join(tmp, 'truncated.enc'), sealed.subarray(0, sealed.length - 7));
    const a = await jobsBackupDecrypt([path.join(tmp, 'tampered.enc'), '--out', path.join(tmp, 'tampered.out')], KEY, tmp);
    expect(a.code).to.equal(1);
    expect(a.stderr).to.match(/^Error: cannot decrypt .*tampered\.enc: chunk \d+ failed authentication: the file was modified or truncated; no output file was written\n$/);
    const b = await jobsBackupDecrypt([path.join(tmp, 'truncated.enc'), '--out', path.join(tmp, 'truncated.out')], KEY, tmp);
    expect(b.code).to.equal(1);
    expect(b.stderr).to.match(/cannot decrypt .*truncated\.enc: .*(truncated|failed authentication)/);
    expect(fs.readdirSync(tmp).filter((f) => /\.out|partial/.test(f))).to.deep.equal([]);
  });

  it('needs the key: missing, malformed or wrong', async () => {
    const missing = await jobsBackupDecrypt([encrypted, '--out', path.join(tmp, 'x')], undefined, tmp);
    expect(missing.code).to.equal(3);
    expect(missing.stderr).to.match(/JOBS_BACKUP_ENCRYPTION_KEY is not set/);
    const bad = await jobsBackupDecrypt([encrypted, '--out', path.join(tmp, 'x')], 'not-a-key', tmp);
    expect(bad.code).to.equal(3);
    expect(bad.stderr).to.match(/must be a 32-byte key/);
    const wrong = await jobsBackupDecrypt([encrypted, '--out', path.join(tmp, 'x')], crypto.randomBytes(32).toString('hex'), tmp);
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.match(/the key does not match this backup/);
    expect(fs.existsSync(path.join(tmp, 'x'))).to.equal(false);
  });
});
