import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InstallTarget } from './install-spec.js';
import { NPM_QUIET, runNpm } from './npm-client.js';
import { PluginError } from './plugin-error.js';
import type { PluginRecord, PluginsDir } from './plugins-dir.js';
import { readTarballPackageJson } from './tarball-manifest.js';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What to hand npm, the package name when it is known beforehand, and how to record the install. */
export async function prepareInstall(
  target: InstallTarget,
  dir: PluginsDir,
  progress: (line: string) => void,
): Promise<{ spec: string; name?: string; record: PluginRecord }> {
  const record: PluginRecord = { source: target.kind, request: target.request, installedAt: new Date().toISOString() };
  if (target.kind === 'npm') {
    let spec = target.npmSpec!;
    let name = target.name;
    if (target.shortName && (await registryHas(target.shortName.name, dir.dir))) {
      spec = target.shortName.expanded;
      name = target.shortName.name;
    }
    record.range = target.range;
    return { spec, name, record };
  }
  const location = target.location!;
  record.location = location;
  if (!existsSync(location)) {
    throw new PluginError('PLUGIN_SPEC_INVALID', `cannot install from ${location}: it no longer exists`, { details: { location } });
  }
  const tarball = target.kind === 'path' ? await pack(location, progress) : location;
  try {
    const { name } = await readTarballPackageJson(tarball);
    const stored = await storeTarball(tarball, dir.tarballsDir);
    return { spec: `./tarballs/${stored}`, name, record };
  } finally {
    if (tarball !== location) await rm(path.dirname(tarball), { recursive: true, force: true });
  }
}

/** How a recorded plugin is fetched again by `update`. */
export function targetOfRecord(name: string, record: PluginRecord): InstallTarget {
  if (record.source === 'npm') {
    // No range: a git or URL spec, fetched again as it was given.
    const npmSpec = record.range === undefined ? record.request : `${name}@${record.range}`;
    return { kind: 'npm', request: record.request, npmSpec, name, range: record.range };
  }
  return { kind: record.source, request: record.request, location: record.location };
}

/** oclif's rule: a short name becomes the scoped name only when the registry has that package. */
async function registryHas(name: string, cwd: string): Promise<boolean> {
  try {
    await runNpm(['view', name, 'name', '--json', ...NPM_QUIET], { cwd, timeoutMs: 60_000 });
    return true;
  } catch (error) {
    // Not found: install the name as typed. Anything else (offline...): try the scoped name, npm says why it fails.
    return !/E404|404 Not Found|is not in this registry/i.test(message(error));
  }
}

/** `npm pack` of a local directory: an install is a copy, not a link to a working tree. */
async function pack(dir: string, progress: (line: string) => void): Promise<string> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'nself-jobs-pack-'));
  progress(`npm pack ${dir}`);
  try {
    await runNpm(['pack', dir, '--pack-destination', out, ...NPM_QUIET], { cwd: out });
    const file = (await readdir(out)).find((f) => f.endsWith('.tgz'));
    if (!file) throw new PluginError('NPM_FAILED', `npm pack ${dir} made no tarball`);
    return path.join(out, file);
  } catch (error) {
    await rm(out, { recursive: true, force: true });
    throw error;
  }
}

/** Copies a tarball into `<pluginsDir>/tarballs/` under a content-hashed name: the dependency stays installable. */
async function storeTarball(file: string, tarballsDir: string): Promise<string> {
  const hash = createHash('sha256').update(await readFile(file)).digest('hex').slice(0, 10);
  const stored = `${hash}-${path.basename(file).replace(/\.tar\.gz$/i, '.tgz')}`;
  await mkdir(tarballsDir, { recursive: true });
  const destination = path.join(tarballsDir, stored);
  if (!existsSync(destination)) {
    const partial = `${destination}.partial`;
    await copyFile(file, partial);
    await rename(partial, destination);
  }
  return stored;
}
