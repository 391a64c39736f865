import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isPermanentJobError } from '@nself-jobs/sdk';
import { backupFileName } from '../src/backup-name.js';
import { parseDestination } from '../src/destination.js';
import { resolveLocalDestination } from '../src/local-destination.js';
import { rejection } from './job-context.js';

describe('backup destinations', () => {
  let tmp: string;
  let root: string;
  beforeEach(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dest-')));
    root = path.join(tmp, 'backups');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const refusal = async (destination: string, backupDir: string | null = root) => {
    const error = await rejection(resolveLocalDestination(destination, backupDir ?? undefined, 'gen.dump'));
    expect(isPermanentJobError(error), error.message).to.equal(true);
    return error.message;
  };

  it('resolves directories (generated name) and files under the root, creating what is missing', async () => {
    expect(await resolveLocalDestination('nightly/', root, 'gen.dump')).to.equal(path.join(root, 'nightly', 'gen.dump'));
    expect((fs.statSync(root).mode & 0o777).toString(8)).to.equal('700');
    expect(await resolveLocalDestination('nightly', root, 'gen.dump')).to.equal(path.join(root, 'nightly', 'gen.dump'));
    expect(await resolveLocalDestination('.', root, 'gen.dump')).to.equal(path.join(root, 'gen.dump'));
    expect(await resolveLocalDestination('a/b/latest.dump.gz', root, 'gen.dump')).to.equal(path.join(root, 'a', 'b', 'latest.dump.gz'));
    expect(await resolveLocalDestination(path.join(root, 'abs', 'x.sql'), root, 'gen.dump')).to.equal(path.join(root, 'abs', 'x.sql'));
  });

  it('accepts absolute paths through a symlinked root, and symlinks that stay inside', async () => {
    fs.mkdirSync(root);
    fs.symlinkSync(root, path.join(tmp, 'alias'));
    fs.mkdirSync(path.join(root, 'real'));
    fs.symlinkSync(path.join(root, 'real'), path.join(root, 'inside-link'));
    expect(await resolveLocalDestination(path.join(tmp, 'alias', 'x/'), path.join(tmp, 'alias'), 'g')).to.equal(path.join(root, 'x', 'g'));
    expect(await resolveLocalDestination(path.join(root, 'y/'), path.join(tmp, 'alias'), 'g')).to.equal(path.join(root, 'y', 'g'));
    expect(await resolveLocalDestination('inside-link/f.dump', root, 'g')).to.equal(path.join(root, 'real', 'f.dump'));
  });

  it('refuses without JOBS_BACKUP_DIR, outside it, with "..", and through an escaping symlink', async () => {
    expect(await refusal('x/', null)).to.match(/need JOBS_BACKUP_DIR/);
    expect(await refusal('/etc/x.dump')).to.match(/outside JOBS_BACKUP_DIR/);
    expect(await refusal(`${root}-other/x.dump`)).to.match(/outside JOBS_BACKUP_DIR/);
    expect(await refusal('../x.dump')).to.match(/must not contain ".."/);
    expect(await refusal('a/../b.dump')).to.match(/must not contain ".."/); // even when it would stay inside
    expect(await refusal(`${root}/../backups/x.dump`)).to.match(/must not contain ".."/);

    const outside = path.join(tmp, 'outside');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(root, 'escape'));
    expect(await refusal('escape/x.dump')).to.match(/through a symbolic link/);
    expect(await refusal('escape/deeper/x.dump')).to.match(/through a symbolic link/);
    expect(await refusal('escape/')).to.match(/through a symbolic link/);
    expect(fs.readdirSync(outside)).to.deep.equal([]); // nothing created out there
  });

  it('parses object-store destinations and refuses other schemes', () => {
    expect(parseDestination('s3://bucket/a/b/')).to.deep.equal({ kind: 'object-store', scheme: 's3', bucket: 'bucket', key: 'a/b/' });
    expect(parseDestination('minio://bk')).to.deep.equal({ kind: 'object-store', scheme: 'minio', bucket: 'bk', key: '' });
    expect(parseDestination('http://127.0.0.1:9000/bk/p/x%20y.dump')).to.deep.equal({
      kind: 'object-store', scheme: 'http', endpoint: 'http://127.0.0.1:9000', bucket: 'bk', key: 'p/x y.dump',
    });
    expect(parseDestination('relative/dir/')).to.deep.equal({ kind: 'local', path: 'relative/dir/' });
    expect(() => parseDestination('ftp://h/x')).to.throw(/ftp:\/\/ is not supported/);
    expect(() => parseDestination('http://user:pw@h/b/')).to.throw(/credentials in the URL/);
    expect(() => parseDestination('s3://bk/../x')).to.throw(/must not contain/);
    expect(() => parseDestination('s3:///x')).to.throw(/not a bucket name/);
  });

  it('generates <db>-<timestamp>.<dump|sql>[.gz][.enc] names', () => {
    const at = new Date('2026-01-31T02:03:04.567Z');
    expect(backupFileName('app', 'custom', 'gzip', true, at)).to.equal('app-2026-01-31T02-03-04-567Z.dump.gz.enc');
    expect(backupFileName('app', 'plain', 'none', false, at)).to.equal('app-2026-01-31T02-03-04-567Z.sql');
    expect(backupFileName('we/ird db', 'custom', 'none', false, at)).to.equal('we_ird_db-2026-01-31T02-03-04-567Z.dump');
  });
});
