import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { installedProcessorSources } from '../../src/registry/index.js';

async function writePackage(dir: string, pkg: object): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg));
}

describe('plugins: which packages in the plugins directory are plugins', () => {
  let pluginsDir: string;
  const manifest = { manifestVersion: 1, runtime: '^1.0.0', processors: [] };

  before(async () => {
    pluginsDir = await mkdtemp(path.join(os.tmpdir(), 'plugins-listed-'));
    const modules = path.join(pluginsDir, 'node_modules');
    await writePackage(pluginsDir, {
      name: 'nself-jobs-plugins', private: true,
      dependencies: { '@acme/jobs-processor-pdf': '^1.0.0', '@nself-jobs/sdk': 'file:/x', '../escape': '1.0.0' },
    });
    await writePackage(path.join(modules, '@acme', 'jobs-processor-pdf'), { name: '@acme/jobs-processor-pdf', nselfJobs: manifest });
    // The pdf plugin's own dependency on a built-in processor: installed next to it, not a plugin.
    await writePackage(path.join(modules, '@nself-jobs', 'processor-http-request'), { name: '@nself-jobs/processor-http-request', nselfJobs: manifest });
    await writePackage(path.join(modules, '@nself-jobs', 'sdk'), { name: '@nself-jobs/sdk' });
  });
  after(() => rm(pluginsDir, { recursive: true, force: true }));

  it('only those its package.json lists as dependencies (as @oclif/plugin-plugins does)', () => {
    expect(installedProcessorSources(pluginsDir)).to.deep.equal([
      { packageDir: path.join(pluginsDir, 'node_modules', '@acme', 'jobs-processor-pdf'), source: 'installed' },
    ]);
  });
});
