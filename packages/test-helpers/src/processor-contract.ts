import path from 'node:path';
import type { ContractOptions } from '@nself-jobs/runtime';
import { createTestDatabase } from './test-database.js';

// The mocha globals this needs, declared here so that importing test-helpers never loads mocha.
interface MochaContext { skip(): never; timeout(ms: number): void }
interface MochaGlobals {
  describe(title: string, fn: (this: MochaContext) => void): void;
  it(title: string, fn: (this: MochaContext) => Promise<void>): void;
}

/**
 * Registers the processor contract of the package in `packageDir` as one mocha suite: manifest
 * valid, schemas compile, examples validate, entry exports the declared type, migrations apply
 * twice. The checks are the runtime's `processorContractChecks` (the same a scaffolded package
 * runs); migrations go to scratch schemas of a fresh database on the shared test PostgreSQL,
 * created only when the package has any. Await it at the top level of a spec file:
 *
 *   await processorContract(fileURLToPath(new URL('..', import.meta.url)));
 */
export async function processorContract(packageDir: string, options: ContractOptions = {}): Promise<void> {
  // Imported here, not at the top: importing test-helpers must not load the runtime.
  const { processorContractChecks } = await import('@nself-jobs/runtime');
  const { describe, it } = globalThis as unknown as MochaGlobals;
  let database: Promise<string | undefined> | undefined;
  const databaseUrl = () =>
    (database ??= process.env.TEST_POSTGRES_URL ? createTestDatabase('contract') : Promise.resolve(undefined));
  const checks = processorContractChecks(packageDir, { databaseUrl, ...options });
  describe(`processor contract: ${path.basename(path.resolve(packageDir))}`, function () {
    this.timeout(30000);
    for (const check of checks) {
      it(check.title, async function () {
        const outcome = await check.run();
        if (outcome.skipped) this.skip();
      });
    }
  });
}
