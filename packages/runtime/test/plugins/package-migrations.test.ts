import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadPackageMigrations } from '../../src/plugins/index.js';

describe('plugins: a package\'s migrations directory', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'package-migrations-'));
    await mkdir(path.join(dir, 'ok'));
    await mkdir(path.join(dir, 'bad'));
    for (const file of ['10-later.sql', '2-second.js', '0001-first.sql', 'README.md', 'helper.d.ts', '.hidden.sql', '2-second.js.map']) {
      await writeFile(path.join(dir, 'ok', file), '');
    }
    await writeFile(path.join(dir, 'bad', 'create-table.sql'), '');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('SQL and JS files in numeric order, named without their extension; other files ignored', async () => {
    const migrations = await loadPackageMigrations('@acme/x', path.join(dir, 'ok'));
    expect(migrations.map((m) => m.name)).to.deep.equal(['0001-first', '2-second', '10-later']);
  });

  it('refuses an unnumbered file, and a declared directory that is missing, naming the package', async () => {
    const unnumbered = await loadPackageMigrations('@acme/x', path.join(dir, 'bad')).catch((e: Error) => e);
    expect(unnumbered).to.be.an('error').with.property('message').that.matches(/^@acme\/x: migration files must start with a number .*create-table\.sql/);
    const missing = await loadPackageMigrations('@acme/x', path.join(dir, 'missing')).catch((e: Error) => e);
    expect(missing).to.be.an('error').with.property('code', 'MIGRATION_INVALID');
    expect((missing as Error).message).to.match(/^@acme\/x: its manifest declares migrations in .*missing, which cannot be read/);
  });
});
