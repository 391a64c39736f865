import { mkdir, open, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PluginSourceKind } from './install-spec.js';
import { PluginError } from './plugin-error.js';
import { PROVIDED_PACKAGE_NAMES } from './provided-packages.js';

/** How a plugin was installed, so that `plugins:update` can fetch it again the same way. */
export interface PluginRecord {
  source: PluginSourceKind;
  /** As the user typed it. */
  request: string;
  /** npm: the package name and the tag or range asked for ("latest" when none). */
  range?: string;
  /** path and tarball: the absolute path it was installed from. */
  location?: string;
  installedAt: string;
}

/** `<pluginsDir>/package.json`: npm's dependencies plus our records. */
export interface PluginsPackageJson {
  name?: string;
  private?: boolean;
  description?: string;
  dependencies?: Record<string, string>;
  nselfJobsPlugins?: Record<string, PluginRecord>;
  [key: string]: unknown;
}

interface Snapshot {
  packageJson: string | undefined;
  lockfile: string | undefined;
  /** node_modules/.package-lock.json: what npm last put into node_modules. */
  hiddenLockfile: string | undefined;
}

type LockPackages = Record<string, unknown>;

function lockPackages(text: string | undefined): LockPackages | undefined {
  if (text === undefined) return {};
  try {
    return ((JSON.parse(text) as { packages?: LockPackages }).packages ?? {});
  } catch {
    return undefined;
  }
}

const LOCK_FILE = '.jobs-plugins.lock';

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function restoreText(file: string, text: string | undefined): Promise<void> {
  if (text === undefined) await rm(file, { force: true });
  else await writeFile(file, text);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The plugins directory: an npm project whose dependencies are the installed processor packages. */
export class PluginsDir {
  constructor(readonly dir: string) {}

  get packageJsonPath(): string {
    return path.join(this.dir, 'package.json');
  }

  get lockfilePath(): string {
    return path.join(this.dir, 'package-lock.json');
  }

  get tarballsDir(): string {
    return path.join(this.dir, 'tarballs');
  }

  packageDir(name: string): string {
    return path.join(this.dir, 'node_modules', name);
  }

  async read(): Promise<PluginsPackageJson> {
    const text = await readText(this.packageJsonPath);
    if (text === undefined) return {};
    try {
      return JSON.parse(text) as PluginsPackageJson;
    } catch (error) {
      throw new PluginError('PLUGIN_SPEC_INVALID', `${this.packageJsonPath} is not valid JSON (${(error as Error).message}): fix or remove it`, { cause: error });
    }
  }

  async write(pkg: PluginsPackageJson): Promise<void> {
    await writeFile(this.packageJsonPath, `${JSON.stringify(pkg, null, 2)}\n`);
  }

  /** Installed plugin names: the dependencies, less the packages linked for them. */
  static pluginNames(pkg: PluginsPackageJson): string[] {
    return Object.keys(pkg.dependencies ?? {}).filter((name) => !PROVIDED_PACKAGE_NAMES.includes(name)).sort();
  }

  /** Creates the directory and its package.json when missing; (re)points the provided links. */
  async ensureInitialized(provided: Record<string, string>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const pkg = await this.read();
    const next: PluginsPackageJson = {
      name: 'nself-jobs-plugins',
      private: true,
      description: 'Processor packages installed with `jobs plugins:install`; managed by nself-jobs, do not edit',
      ...pkg,
      dependencies: { ...pkg.dependencies, ...provided },
    };
    if (JSON.stringify(next) !== JSON.stringify(pkg)) await this.write(next);
  }

  get hiddenLockfilePath(): string {
    return path.join(this.dir, 'node_modules', '.package-lock.json');
  }

  async snapshot(): Promise<Snapshot> {
    return {
      packageJson: await readText(this.packageJsonPath),
      lockfile: await readText(this.lockfilePath),
      hiddenLockfile: await readText(this.hiddenLockfilePath),
    };
  }

  /** Puts package.json and package-lock.json back; node_modules is `restoreNodeModules`' or npm's job. */
  async restore(snapshot: Snapshot): Promise<void> {
    await restoreText(this.packageJsonPath, snapshot.packageJson);
    await restoreText(this.lockfilePath, snapshot.lockfile);
  }

  /**
   * Undoes an npm run that only added packages (a refused first install): removes what npm's
   * hidden lockfile lists now and did not list before, and puts that lockfile back. Returns false,
   * touching nothing, when npm changed or removed anything that was there: then only
   * `npm install` against the restored lockfile can bring the old versions back.
   */
  async restoreNodeModules(snapshot: Snapshot): Promise<boolean> {
    const before = lockPackages(snapshot.hiddenLockfile);
    const after = lockPackages(await readText(this.hiddenLockfilePath));
    if (!before || !after) return false;
    for (const [key, entry] of Object.entries(before)) {
      if (!(key in after) || JSON.stringify(after[key]) !== JSON.stringify(entry)) return false;
    }
    // Keys are paths relative to the plugins dir; link targets (../..) are never ours to remove.
    const added = Object.keys(after).filter((key) => !(key in before) && key.startsWith('node_modules/') && !key.split('/').includes('..'));
    added.sort((a, b) => b.length - a.length);
    for (const key of added) {
      await rm(path.join(this.dir, key), { recursive: true, force: true });
      const parent = path.dirname(path.join(this.dir, key));
      if (path.basename(parent).startsWith('@')) await rmdir(parent).catch(() => {}); // an emptied scope
    }
    await this.#removeDanglingBins();
    await restoreText(this.hiddenLockfilePath, snapshot.hiddenLockfile);
    return true;
  }

  async #removeDanglingBins(): Promise<void> {
    const bin = path.join(this.dir, 'node_modules', '.bin');
    let links: string[];
    try {
      links = await readdir(bin);
    } catch {
      return;
    }
    for (const link of links) {
      const target = path.join(bin, link);
      if (!(await stat(target).then(() => true, () => false))) await rm(target, { force: true });
    }
  }

  /** Removes stored tarballs that no dependency points at any more. */
  async removeUnusedTarballs(): Promise<void> {
    const specs = Object.values((await this.read()).dependencies ?? {});
    let files: string[];
    try {
      files = await readdir(this.tarballsDir);
    } catch {
      return;
    }
    await Promise.all(
      files.filter((file) => !specs.some((spec) => spec.endsWith(`tarballs/${file}`)))
        .map((file) => rm(path.join(this.tarballsDir, file), { force: true })),
    );
  }

  /**
   * Holds the directory for one command: a lock file naming our pid. Waits for another live
   * holder up to `timeoutMs`, then refuses; takes over the lock of a process that died.
   */
  async lock(timeoutMs: number): Promise<() => Promise<void>> {
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, LOCK_FILE);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const handle = await open(file, 'wx');
        await handle.writeFile(String(process.pid));
        await handle.close();
        return () => rm(file, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = Number((await readText(file))?.trim() || NaN);
      // No pid yet: a holder between creating the file and writing it, unless that was long ago.
      const unwritten = Number.isNaN(holder) && Date.now() - (await stat(file).then((s) => s.mtimeMs, () => 0)) < 5000;
      if (!unwritten && (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder))) {
        await rm(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new PluginError('PLUGINS_BUSY', `another \`jobs plugins\` command (pid ${Number.isNaN(holder) ? '?' : holder}) is changing ${this.dir}: wait for it to finish, then try again`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
