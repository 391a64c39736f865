import { expect } from 'chai';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  builtinProcessorSources, installedProcessorSources, pathProcessorSources, ProcessorRegistry,
} from '../../src/registry/index.js';
import { fixtureDir, RUNTIME_VERSION } from './fixtures.js';

async function writePackage(dir: string, pkg: object): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg));
}

describe('registry: processor sources', () => {
  describe('installedProcessorSources', () => {
    let pluginsDir: string;

    before(async () => {
      pluginsDir = await mkdtemp(path.join(tmpdir(), 'registry-plugins-'));
      const modules = path.join(pluginsDir, 'node_modules');
      const manifest = { manifestVersion: 1, runtime: '^1.0.0', processors: [] };
      await writePackage(path.join(modules, '@acme', 'jobs-thing'), { name: '@acme/jobs-thing', nselfJobs: manifest });
      await writePackage(path.join(modules, 'plain-processor'), { name: 'plain-processor', nselfJobs: manifest });
      await writePackage(path.join(modules, 'left-pad'), { name: 'left-pad', version: '1.0.0' });
      await writePackage(path.join(modules, '@acme', 'util'), { name: '@acme/util', version: '1.0.0' });
      await mkdir(path.join(modules, '.bin'), { recursive: true });
      await mkdir(path.join(modules, 'broken'), { recursive: true });
      await writeFile(path.join(modules, 'broken', 'package.json'), '{ not json');
      // npm links a package installed from a local path.
      await symlink(fixtureDir('greet'), path.join(modules, 'linked-greet'), 'dir');
    });

    after(async () => {
      await rm(pluginsDir, { recursive: true, force: true });
    });

    it('lists every package with an nselfJobs key, scoped and linked ones included', () => {
      const modules = path.join(pluginsDir, 'node_modules');
      expect(installedProcessorSources(pluginsDir)).to.deep.equal([
        { packageDir: path.join(modules, '@acme', 'jobs-thing'), source: 'installed' },
        { packageDir: path.join(modules, 'linked-greet'), source: 'installed' },
        { packageDir: path.join(modules, 'plain-processor'), source: 'installed' },
      ]);
    });

    it('returns [] when the plugins directory does not exist', () => {
      expect(installedProcessorSources(path.join(pluginsDir, 'missing'))).to.deep.equal([]);
    });

    it('feeds discovery', async () => {
      const sources = installedProcessorSources(pluginsDir).filter((s) => s.packageDir.endsWith('linked-greet'));
      const registry = await ProcessorRegistry.discover({ sources, runtimeVersion: RUNTIME_VERSION });
      expect(registry.require('greet').source).to.equal('installed');
    });
  });

  describe('builtinProcessorSources', () => {
    it('finds the built-in processor packages the runtime depends on', () => {
      const sources = builtinProcessorSources();
      const httpRequest = sources.find((s) => path.basename(s.packageDir) === 'http-request');
      expect(httpRequest, JSON.stringify(sources)).to.not.equal(undefined);
      expect(httpRequest!.source).to.equal('builtin');
      expect(sources.every((s) => s.source === 'builtin')).to.equal(true);
    });
  });

  describe('pathProcessorSources', () => {
    it('resolves directories and package.json files to package directories', () => {
      expect(pathProcessorSources([fixtureDir('greet'), path.join(fixtureDir('shout'), 'package.json')])).to.deep.equal([
        { packageDir: fixtureDir('greet'), source: 'path' },
        { packageDir: fixtureDir('shout'), source: 'path' },
      ]);
      expect(pathProcessorSources(['relative/dir'])[0].packageDir).to.equal(path.resolve('relative/dir'));
    });
  });
});
