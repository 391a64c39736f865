import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { runMigrations } from '../db/index.js';
import { readProcessorPackage, type RegisteredProcessor } from '../registry/index.js';
import { validateManifest } from '../registry/validate-manifest.js';
import { RUNTIME_VERSION } from '../runtime-version.js';
import { loadPackageMigrations } from './package-migrations.js';

/** How one check went when it did not throw: passed (maybe with a note), or skipped and why. */
export interface ContractOutcome {
  skipped?: string;
  note?: string;
}

/** One check of the processor contract; `run` throws an Error that says what to fix. */
export interface ContractCheck {
  title: string;
  run(): Promise<ContractOutcome>;
}

export interface ContractOptions {
  /**
   * A PostgreSQL the migration check may create (and then drop) scratch schemas in. Without one,
   * a package that ships migrations gets that check skipped.
   */
  databaseUrl?: string | (() => string | undefined | Promise<string | undefined>);
  /** The runtime version the manifest's range must admit (default: this runtime's). */
  runtimeVersion?: string;
}

async function applyTwice(url: string, packageName: string, migrationsDir: string): Promise<ContractOutcome> {
  const migrations = await loadPackageMigrations(packageName, migrationsDir);
  if (migrations.length === 0) return { note: 'the migrations directory is empty' };
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  const schemas = [1, 2].map(() => `contract_${randomBytes(6).toString('hex')}`);
  const names = migrations.map((m) => m.name).join(', ');
  try {
    const first = await runMigrations(pool, { schema: schemas[0], packageName, migrations });
    if (first.applied.length !== migrations.length) {
      throw new Error(`${packageName}: the first run applied ${first.applied.join(', ') || 'nothing'} of ${names}`);
    }
    const second = await runMigrations(pool, { schema: schemas[0], packageName, migrations });
    if (second.applied.length > 0) throw new Error(`${packageName}: the second run applied ${second.applied.join(', ')} again`);
    // A second schema catches migrations that name a fixed schema instead of using the search_path.
    try {
      await runMigrations(pool, { schema: schemas[1], packageName, migrations });
    } catch (error) {
      throw new Error(
        `${(error as Error).message} (in a second, empty schema). Migrations run with search_path set to the ` +
          'record\'s schema: create objects unqualified (or in ctx.quotedSchema), never in a fixed schema',
        { cause: error },
      );
    }
    return { note: `applied ${names}` };
  } finally {
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`).catch(() => {});
    await pool.end();
  }
}

function checkExamples(processors: RegisteredProcessor[]): ContractOutcome {
  const problems: string[] = [];
  let count = 0;
  for (const processor of processors) {
    const examples = (processor.payloadSchema as { examples?: unknown }).examples;
    if (!Array.isArray(examples)) continue;
    examples.forEach((example, index) => {
      count += 1;
      for (const p of processor.validatePayload(example)) {
        problems.push(`  ${processor.type}: examples[${index}]${p.path}: ${p.message}`);
      }
    });
  }
  if (problems.length > 0) {
    throw new Error(`payload schema examples do not match their own schema; fix the example or the schema:\n${problems.join('\n')}`);
  }
  return count === 0 ? { skipped: 'the payload schemas declare no "examples": add one or more valid payloads' } : { note: `${count} example(s)` };
}

/**
 * The contract every processor package must keep, as checks any test runner can run: the
 * built-in processors, a scaffolded package (`jobs processors:new`) and third-party ones use the
 * same. In mocha: `for (const c of processorContractChecks(dir)) it(c.title, async function () {
 * const r = await c.run(); if (r.skipped) this.skip(); })`.
 */
export function processorContractChecks(packageDir: string, options: ContractOptions = {}): ContractCheck[] {
  const dir = path.resolve(packageDir);
  const runtimeVersion = options.runtimeVersion ?? RUNTIME_VERSION;
  let reading: Promise<RegisteredProcessor[]> | undefined;
  const read = () => (reading ??= readProcessorPackage({ packageDir: dir, source: 'path' }, runtimeVersion));
  const databaseUrl = async () => (typeof options.databaseUrl === 'function' ? options.databaseUrl() : options.databaseUrl);

  return [
    {
      title: `package.json has a valid nselfJobs manifest whose runtime range admits ${runtimeVersion}`,
      async run() {
        const file = path.join(dir, 'package.json');
        let pkg: unknown;
        try {
          pkg = JSON.parse(await readFile(file, 'utf8'));
        } catch (error) {
          throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
        }
        validateManifest(pkg, dir, runtimeVersion);
        return {};
      },
    },
    {
      title: 'every payload schema is valid JSON Schema and compiles',
      async run() {
        const processors = await read();
        return { note: processors.map((p) => p.type).join(', ') };
      },
    },
    {
      title: 'the payload schemas\' examples validate against them',
      async run() {
        return checkExamples(await read());
      },
    },
    {
      title: 'every entry default-exports defineProcessor() with its declared type',
      async run() {
        for (const processor of await read()) await processor.load();
        return {};
      },
    },
    {
      title: 'migrations apply, then apply nothing the second time',
      async run() {
        const withMigrations = (await read()).find((p) => p.migrationsDir !== undefined);
        if (!withMigrations) return { note: 'the package declares no migrations' };
        const { packageName, migrationsDir } = withMigrations;
        const url = await databaseUrl();
        if (!url) {
          await loadPackageMigrations(packageName, migrationsDir!); // file names still checked
          return { skipped: 'no database to apply the migrations to (set databaseUrl, e.g. from DATABASE_URL)' };
        }
        return applyTwice(url, packageName, migrationsDir!);
      },
    },
  ];
}
