import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { classifyInstallRequest, parseNpmSpec } from '../../src/plugins/index.js';

describe('plugins: what an install request names', () => {
  let cwd: string;

  before(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), 'install-spec-'));
    await mkdir(path.join(cwd, 'greet'));
    await writeFile(path.join(cwd, 'greet', 'package.json'), '{"name":"greet"}');
    await mkdir(path.join(cwd, 'not-a-package'));
    await writeFile(path.join(cwd, 'x-1.0.0.tgz'), '');
  });
  after(() => rm(cwd, { recursive: true, force: true }));

  it('a package directory or a tarball on disk is installed from disk, with or without ./', () => {
    for (const request of ['./greet', 'greet', `${cwd}/greet`, 'file:./greet']) {
      expect(classifyInstallRequest(request, cwd), request).to.deep.include({ kind: 'path', location: path.join(cwd, 'greet') });
    }
    expect(classifyInstallRequest('./x-1.0.0.tgz', cwd)).to.deep.include({ kind: 'tarball', location: path.join(cwd, 'x-1.0.0.tgz') });
  });

  it('a short name expands to @nself-jobs/processor-<name> (tried first), keeping its version', () => {
    expect(classifyInstallRequest('pdf', cwd)).to.deep.include({
      kind: 'npm', npmSpec: 'pdf', name: 'pdf', range: 'latest',
      shortName: { name: '@nself-jobs/processor-pdf', expanded: '@nself-jobs/processor-pdf' },
    });
    expect(classifyInstallRequest('pdf@^2', cwd).shortName).to.deep.equal({ name: '@nself-jobs/processor-pdf', expanded: '@nself-jobs/processor-pdf@^2' });
  });

  it('a scoped name, a git or URL spec and an existing directory are never expanded', () => {
    expect(classifyInstallRequest('@acme/jobs-processor-pdf@1.2.0', cwd)).to.deep.include({ kind: 'npm', name: '@acme/jobs-processor-pdf', range: '1.2.0' })
      .and.not.have.property('shortName');
    expect(classifyInstallRequest('github:acme/pdf', cwd)).to.deep.include({ kind: 'npm', npmSpec: 'github:acme/pdf' }).and.not.have.property('shortName');
    expect(classifyInstallRequest('https://example.com/x-1.0.0.tgz', cwd)).to.deep.include({ kind: 'npm' });
    expect(classifyInstallRequest('greet', cwd)).to.not.have.property('shortName');
    expect(parseNpmSpec('git+https://example.com/x.git')).to.equal(undefined);
  });

  it('a path that is missing or not a package is refused before anything runs', () => {
    expect(() => classifyInstallRequest('./nope', cwd)).to.throw(/cannot install \.\/nope: .* does not exist/);
    expect(() => classifyInstallRequest('./not-a-package', cwd)).to.throw(/is neither a package directory \(no package\.json\) nor a \.tgz file/);
    expect(() => classifyInstallRequest('missing.tgz', cwd)).to.throw(/does not exist/);
    expect(() => classifyInstallRequest('  ', cwd)).to.throw(/name a package to install/);
  });
});
