import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { MigrationError, runMigrations, unknownAppliedMigrations, type Migration, type MigrationContext } from '../db/index.js';
import type { RegisteredProcessor } from '../registry/index.js';
import { PluginError } from './plugin-error.js';

const MIGRATION_FILE = /\.(sql|js|mjs)$/;
const NUMBERED = /^\d+[-_.]/;

export interface PackageMigrationReport {
  packageName: string;
  packageVersion: string;
  applied: string[];
}

/** Unqualified names in a processor's migration land in the record's schema. */
async function useSchema(client: pg.PoolClient, ctx: MigrationContext): Promise<void> {
  const searchPath = ctx.schema === 'public' ? ctx.quotedSchema : `${ctx.quotedSchema}, public`;
  await client.query(`SET LOCAL search_path TO ${searchPath}`);
}

function sqlMigration(name: string, file: string): Migration {
  return {
    name,
    async up(client, ctx) {
      await useSchema(client, ctx);
      await client.query(await readFile(file, 'utf8'));
    },
  };
}

function jsMigration(name: string, file: string): Migration {
  return {
    name,
    async up(client, ctx) {
      // Imported only when it is about to run: listing and checking migrations runs no package code.
      const module = (await import(pathToFileURL(file).href)) as { up?: unknown; default?: { up?: unknown } };
      const up = typeof module.up === 'function' ? module.up : module.default?.up;
      if (typeof up !== 'function') throw new Error(`${file} does not export a function up(client, ctx)`);
      await useSchema(client, ctx);
      await (up as Migration['up'])(client, ctx);
    },
  };
}

/**
 * The migrations a processor package ships in its `migrations` directory: `NNNN-name.sql` (run as
 * is, in one transaction) or `NNNN-name.js` / `.mjs` (exporting `up(client, ctx)`), in numeric
 * order, named without their extension in the ledger. Other files (README, .d.ts, maps) are ignored.
 */
export async function loadPackageMigrations(packageName: string, migrationsDir: string): Promise<Migration[]> {
  const invalid = (message: string, cause?: unknown) =>
    new MigrationError('MIGRATION_INVALID', `${packageName}: ${message}`, { packageName, cause });
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (error) {
    throw invalid(
      `its manifest declares migrations in ${migrationsDir}, which cannot be read (${(error as Error).message}); ` +
        'ship the directory with the package (package.json "files") or remove nselfJobs.migrations',
      error,
    );
  }
  const files = entries.filter((e) => e.isFile() && !e.name.startsWith('.') && MIGRATION_FILE.test(e.name)).map((e) => e.name);
  const unnumbered = files.filter((file) => !NUMBERED.test(file));
  if (unnumbered.length > 0) {
    throw invalid(`migration files must start with a number that orders them (0001-create-table.sql): ${unnumbered.join(', ')}`);
  }
  files.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return files.map((file) => {
    const name = file.replace(MIGRATION_FILE, '');
    const full = path.join(migrationsDir, file);
    return file.endsWith('.sql') ? sqlMigration(name, full) : jsMigration(name, full);
  });
}

/**
 * For each package among `processors` (one entry per package): refuses when the ledger holds
 * migrations of that package its installed version does not know (the database was migrated by
 * a newer version), then, when `apply`, runs its pending migrations with the shared migrator
 * (one ledger keyed by package name, under the per-schema advisory lock).
 */
export async function migrateProcessorPackages(
  pool: pg.Pool,
  schema: string,
  processors: RegisteredProcessor[],
  options: { apply?: boolean } = {},
): Promise<PackageMigrationReport[]> {
  const packages = [...new Map(processors.map((p) => [p.packageName, p])).values()];
  const sets = await Promise.all(
    packages.map(async (p) => ({
      processor: p,
      migrations: p.migrationsDir ? await loadPackageMigrations(p.packageName, p.migrationsDir) : [],
    })),
  );
  const unknown = await Promise.all(
    sets.map(async ({ processor, migrations }) => ({
      processor,
      names: await unknownAppliedMigrations(pool, { schema, packageName: processor.packageName, migrations }),
    })),
  );
  const refused = unknown.filter((u) => u.names.length > 0);
  if (refused.length > 0) {
    const lines = refused.map(({ processor: p, names }) =>
      `${p.packageName}@${p.packageVersion} (${p.packageDir}): the database (schema "${schema}") has migrations of ` +
      `${p.packageName} that this version does not know: ${names.join(', ')}. A newer ${p.packageName} migrated it: ` +
      `install that version again (jobs plugins:install ${p.packageName}@<version>), or restore the database from before it`);
    throw new PluginError('MIGRATIONS_UNKNOWN', lines.join('\n'), {
      packageName: refused[0].processor.packageName,
      details: refused.map(({ processor, names }) => ({ packageName: processor.packageName, unknown: names })),
    });
  }
  if (options.apply === false) return [];
  const reports: PackageMigrationReport[] = [];
  for (const { processor, migrations } of sets) {
    if (migrations.length === 0) continue;
    const { applied } = await runMigrations(pool, { schema, packageName: processor.packageName, migrations });
    reports.push({ packageName: processor.packageName, packageVersion: processor.packageVersion, applied });
  }
  return reports;
}
