import { fileURLToPath } from 'node:url';
import { processorContractChecks } from '@nself-jobs/runtime';

// The contract every nself-jobs processor package keeps (the built-in ones run the same checks):
// the manifest is valid and admits the runtime, the payload schema compiles, its examples validate,
// the entry default-exports defineProcessor() with the declared type, and migrations (if any) apply
// twice. Set DATABASE_URL to let the migration check create and drop scratch schemas there.
const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('processor contract', function () {
  for (const check of processorContractChecks(packageDir, { databaseUrl: process.env.DATABASE_URL })) {
    it(check.title, async function () {
      const outcome = await check.run();
      if (outcome.skipped) this.skip();
    });
  }
});
