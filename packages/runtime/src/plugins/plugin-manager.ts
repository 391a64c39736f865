import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { RuntimeConfig } from '../config/index.js';
import { createDatabasePool } from '../database-pool.js';
import { readProcessorPackage } from '../registry/index.js';
import { RUNTIME_VERSION } from '../runtime-version.js';
import { classifyInstallRequest, type PluginSourceKind } from './install-spec.js';
import { prepareInstall, targetOfRecord } from './install-source.js';
import { NPM_QUIET, runNpm } from './npm-client.js';
import { migrateProcessorPackages } from './package-migrations.js';
import { isPluginError, PluginError } from './plugin-error.js';
import { jobsInUse } from './plugin-usage.js';
import { validateInstalledPackage } from './plugin-validation.js';
import { PluginsDir, type PluginRecord, type PluginsPackageJson } from './plugins-dir.js';
import { providedDependencies, PROVIDED_PACKAGE_NAMES } from './provided-packages.js';

export interface PluginManagerOptions {
  config: RuntimeConfig;
  /** Lines for people ("npm install ...", "running migrations ..."). */
  onProgress?: (line: string) => void;
  /** Where relative paths in install requests are resolved (default: the process's cwd). */
  cwd?: string;
  /** How long to wait for another plugins command holding the directory (default 2 min). */
  lockTimeoutMs?: number;
}

export interface InstalledPlugin {
  name: string;
  version: string;
  types: string[];
  source: PluginSourceKind;
  /** As typed at install. */
  request: string;
  /** path and tarball: where it was installed from. */
  location?: string;
  packageDir: string;
  /** Set when the installed package no longer validates: the runtime refuses to start. */
  problem?: string;
}

export interface InstallResult {
  plugin: InstalledPlugin;
  /** The version this replaced, when it was installed already. */
  previousVersion?: string;
  /** Migrations applied now, by name. */
  migrations: string[];
  warnings: string[];
}

export interface UninstallResult {
  name: string;
  version: string;
  types: string[];
  /** Unfinished jobs left behind with --force: workers will fail them (unknown type). */
  leftJobs: number;
}

const INSTALL = ['install', '--omit=dev', ...NPM_QUIET];
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Installs, updates and removes processor packages in `<dataDir>/plugins`, an npm project whose
 * `dependencies` are the installed plugins (the way @oclif/plugin-plugins keeps its data dir).
 * Every change is one transaction: package.json and package-lock.json are saved first; when npm,
 * the validation or the package's migrations fail, both are put back and `npm install` brings
 * node_modules back to them. Running workers see a change on their next start.
 */
export class PluginManager {
  readonly dir: PluginsDir;
  readonly #config: RuntimeConfig;
  readonly #progress: (line: string) => void;
  readonly #cwd: string;
  readonly #lockTimeoutMs: number;
  #dirty = false;

  constructor(options: PluginManagerOptions) {
    this.#config = options.config;
    this.dir = new PluginsDir(path.join(options.config.dataDir, 'plugins'));
    this.#progress = options.onProgress ?? (() => {});
    this.#cwd = options.cwd ?? process.cwd();
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 120_000;
  }

  /** `jobs plugins:install <npm name | path | .tgz>`. */
  async install(request: string, options: { migrate?: boolean } = {}): Promise<InstallResult> {
    const target = classifyInstallRequest(request, this.#cwd);
    return this.#transaction(async () => {
      const { spec, name: expected, record } = await prepareInstall(target, this.dir, this.#progress);
      return this.#installSpec(spec, expected, record, options, 'installed');
    });
  }

  /** `jobs plugins:update [name]`: fetches each plugin again the way it was installed. */
  async update(nameOrType?: string, options: { migrate?: boolean } = {}): Promise<Array<InstallResult | { name: string; error: Error }>> {
    const names = nameOrType === undefined
      ? PluginsDir.pluginNames(await this.dir.read())
      : [await this.#resolveInstalled(nameOrType, await this.dir.read())];
    const results: Array<InstallResult | { name: string; error: Error }> = [];
    for (const name of names) {
      try {
        results.push(await this.#transaction(async () => {
          const record = (await this.dir.read()).nselfJobsPlugins?.[name]
            ?? { source: 'npm', request: name, range: 'latest', installedAt: '' };
          const { spec } = await prepareInstall(targetOfRecord(name, record), this.dir, this.#progress);
          return this.#installSpec(spec, name, { ...record }, options, 'updated');
        }));
      } catch (error) {
        if (nameOrType !== undefined) throw error;
        results.push({ name, error: error as Error });
      }
    }
    return results;
  }

  /** `jobs plugins:uninstall <name>`: refused while jobs of its types wait or run, unless `force`. */
  async uninstall(nameOrType: string, options: { force?: boolean } = {}): Promise<UninstallResult> {
    return this.#transaction(async () => {
      const pkg = await this.dir.read();
      const name = await this.#resolveInstalled(nameOrType, pkg);
      const { version, types } = await this.#rawManifest(name);
      const unfinished = await this.#withPool((pool) => jobsInUse(pool, this.#config.database.schema, types), options.force === true);
      const leftJobs = unfinished.reduce((sum, row) => sum + row.count, 0);
      if (leftJobs > 0 && !options.force) {
        const counts = unfinished.map((row) => `${row.count} ${row.status} ${row.type}`).join(', ');
        throw new PluginError(
          'PLUGIN_IN_USE',
          `${name} was not uninstalled: the record has unfinished jobs of its types (${counts}). ` +
            'Let workers finish them (or cancel them) and try again, or use --force: workers then fail them as of an unknown type',
          { packageName: name, details: unfinished },
        );
      }
      this.#progress(`npm uninstall ${name}`);
      await this.#npm(['uninstall', ...NPM_QUIET, name]);
      const after = await this.dir.read();
      if (after.nselfJobsPlugins?.[name]) {
        delete after.nselfJobsPlugins[name];
        await this.dir.write(after);
      }
      return { name, version, types, leftJobs };
    });
  }

  /** Installed plugins, sorted by name; one that no longer validates carries `problem`. */
  async list(): Promise<InstalledPlugin[]> {
    const pkg = await this.dir.read();
    return Promise.all(PluginsDir.pluginNames(pkg).map((name) => this.#describe(name, pkg)));
  }

  // --- the transaction --------------------------------------------------------------------

  async #transaction<T>(fn: () => Promise<T>): Promise<T> {
    const unlock = await this.dir.lock(this.#lockTimeoutMs);
    try {
      await this.dir.ensureInitialized(providedDependencies());
      const snapshot = await this.dir.snapshot();
      this.#dirty = false;
      try {
        return await fn();
      } catch (error) {
        if (this.#dirty) {
          this.#progress(`rolling back ${this.dir.dir}`);
          await this.dir.restore(snapshot);
          try {
            // npm's own failure may leave anything behind: only npm puts that right.
            const restored = !(isPluginError(error) && error.code === 'NPM_FAILED') && (await this.dir.restoreNodeModules(snapshot));
            if (!restored) await runNpm(INSTALL, { cwd: this.dir.dir });
          } catch (rollbackError) {
            throw new PluginError(
              isPluginError(error) ? error.code : 'PLUGIN_REFUSED',
              `${message(error)}\nThe rollback failed too: ${message(rollbackError)}\n` +
                `Run \`npm install --omit=dev\` in ${this.dir.dir} to bring it back to its package.json.`,
              { cause: error },
            );
          }
        }
        throw error;
      } finally {
        await this.dir.removeUnusedTarballs().catch(() => {});
      }
    } finally {
      await unlock();
    }
  }

  async #npm(args: string[], timeoutMs?: number) {
    this.#dirty = true;
    return runNpm(args, { cwd: this.dir.dir, timeoutMs });
  }

  // --- install steps -----------------------------------------------------------------------

  async #installSpec(
    spec: string,
    expected: string | undefined,
    record: PluginRecord,
    options: { migrate?: boolean },
    verb: 'installed' | 'updated',
  ): Promise<InstallResult> {
    const before = await this.dir.read();
    const previousVersion = expected ? await this.#installedVersion(expected) : undefined;
    this.#progress(`npm install ${spec} (in ${this.dir.dir})`);
    await this.#npm([...INSTALL, spec]);
    const after = await this.dir.read();
    const name = expected ?? changedDependency(before, after);
    if (!name) throw new PluginError('NPM_FAILED', `npm install ${spec} succeeded but changed no dependency of ${this.dir.packageJsonPath}`);
    const refuse = (error: unknown): PluginError => new PluginError(
      'PLUGIN_REFUSED',
      `${name} was not ${verb}${previousVersion && verb === 'updated' ? ` (${previousVersion} stays)` : ''}: ${message(error)}`,
      { packageName: name, cause: error, details: { reason: (error as { code?: unknown }).code } },
    );
    if (PROVIDED_PACKAGE_NAMES.includes(name)) throw refuse(new Error('it is part of nself-jobs itself, not a processor package'));
    after.nselfJobsPlugins = { ...after.nselfJobsPlugins, [name]: { ...record, installedAt: new Date().toISOString() } };
    await this.dir.write(after);

    const packageDir = this.dir.packageDir(name);
    this.#progress(`validating ${name}`);
    let validated;
    try {
      validated = await validateInstalledPackage({ config: this.#config, pluginsDir: this.dir.dir, packageDir, runtimeVersion: RUNTIME_VERSION });
    } catch (error) {
      throw refuse(error);
    }
    let migrations: string[] = [];
    if (options.migrate !== false && validated.processors.some((p) => p.migrationsDir)) {
      this.#progress(`running the migrations of ${name}`);
      try {
        const reports = await this.#withPool((pool) => migrateProcessorPackages(pool, this.#config.database.schema, validated.processors));
        migrations = reports.flatMap((r) => r.applied);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const ours = code === 'MIGRATION_FAILED' || code === 'MIGRATION_INVALID' || code === 'MIGRATIONS_UNKNOWN';
        throw refuse(ours ? error : new Error(
          `cannot run its migrations (${message(error)}): start the database, or install with --no-migrate and let workers run them at start`,
          { cause: error },
        ));
      }
    }
    return { plugin: await this.#describe(name, after), previousVersion, migrations, warnings: validated.warnings };
  }

  // --- reading what is installed -----------------------------------------------------------

  async #installedVersion(name: string): Promise<string | undefined> {
    try {
      return (JSON.parse(await readFile(path.join(this.dir.packageDir(name), 'package.json'), 'utf8')) as { version?: string }).version;
    } catch {
      return undefined;
    }
  }

  /** Version and types straight from package.json: works for a package that no longer validates. */
  async #rawManifest(name: string): Promise<{ version: string; types: string[] }> {
    try {
      const pkg = JSON.parse(await readFile(path.join(this.dir.packageDir(name), 'package.json'), 'utf8')) as {
        version?: string; nselfJobs?: { processors?: Array<{ type?: unknown }> };
      };
      const processors = Array.isArray(pkg.nselfJobs?.processors) ? pkg.nselfJobs.processors : [];
      return { version: pkg.version ?? '0.0.0', types: processors.map((p) => p.type).filter((t): t is string => typeof t === 'string') };
    } catch {
      return { version: '?', types: [] };
    }
  }

  async #describe(name: string, pkg: PluginsPackageJson): Promise<InstalledPlugin> {
    const record = pkg.nselfJobsPlugins?.[name];
    const packageDir = this.dir.packageDir(name);
    const base = { name, source: record?.source ?? 'npm', request: record?.request ?? name, location: record?.location, packageDir };
    try {
      const processors = await readProcessorPackage({ packageDir, source: 'installed' }, RUNTIME_VERSION);
      return { ...base, version: processors[0]?.packageVersion ?? '?', types: processors.map((p) => p.type).sort() };
    } catch (error) {
      return { ...base, ...(await this.#rawManifest(name)), problem: message(error) };
    }
  }

  /** A plugin by package name, short name (`pdf`), job type, or the path it was installed from. */
  async #resolveInstalled(input: string, pkg: PluginsPackageJson): Promise<string> {
    const names = PluginsDir.pluginNames(pkg);
    if (names.includes(input)) return input;
    const scoped = `@nself-jobs/processor-${input}`;
    if (names.includes(scoped)) return scoped;
    const location = path.resolve(this.#cwd, input);
    const byLocation = names.filter((n) => pkg.nselfJobsPlugins?.[n]?.location === location);
    if (byLocation.length === 1) return byLocation[0];
    const byType: string[] = [];
    for (const name of names) if ((await this.#rawManifest(name)).types.includes(input)) byType.push(name);
    if (byType.length === 1) return byType[0];
    throw new PluginError(
      'PLUGIN_NOT_INSTALLED',
      `no installed plugin is called ${input}` +
        (byType.length > 1 ? ` (job type ${input} is declared by ${byType.join(', ')}: name the package)` : '') +
        `; installed plugins: ${names.length > 0 ? names.join(', ') : 'none'} (jobs plugins:list)`,
      { details: { input, installed: names } },
    );
  }

  /** Runs `fn` with a pool on the record's database, closed afterwards. `optional`: a failure yields []. */
  async #withPool<T>(fn: (pool: pg.Pool) => Promise<T>, optional = false): Promise<T> {
    const pool = createDatabasePool(this.#config, 2);
    try {
      return await fn(pool);
    } catch (error) {
      if (optional) return [] as T;
      throw error;
    } finally {
      await pool.end().catch(() => {});
    }
  }
}

/** The one dependency npm added or changed: the package a tarball or git spec turned out to be. */
function changedDependency(before: PluginsPackageJson, after: PluginsPackageJson): string | undefined {
  const changed = Object.entries(after.dependencies ?? {})
    .filter(([name, spec]) => before.dependencies?.[name] !== spec && !PROVIDED_PACKAGE_NAMES.includes(name))
    .map(([name]) => name);
  return changed.length === 1 ? changed[0] : undefined;
}
