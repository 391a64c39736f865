import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@nself-jobs/test-helpers';
import { processorContractChecks, type ContractCheck, type ContractOutcome } from '../../src/plugins/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const registryFixture = (name: string) => fileURLToPath(new URL(`../fixtures/processors/${name}`, import.meta.url));

async function runAll(checks: ContractCheck[]): Promise<Array<ContractOutcome | Error>> {
  const outcomes: Array<ContractOutcome | Error> = [];
  for (const check of checks) outcomes.push(await check.run().catch((error: Error) => error));
  return outcomes;
}

describe('plugins: the processor contract checks', function () {
  this.timeout(30000);

  it('pass for a valid package, applying its migrations twice in scratch schemas', async () => {
    const url = await createTestDatabase('contract');
    const checks = processorContractChecks(fixture('hello'), { databaseUrl: url });
    expect(checks.map((c) => c.title)).to.have.length(5);
    const outcomes = await runAll(checks);
    expect(outcomes.filter((o) => o instanceof Error)).to.deep.equal([]);
    expect(outcomes[2]).to.deep.equal({ note: '1 example(s)' });
    expect(outcomes[4]).to.deep.equal({ note: 'applied 0001-hello-log, 0002-seed' });
  });

  it('skip the migrations without a database, but still check their file names', async () => {
    const outcomes = await runAll(processorContractChecks(fixture('hello')));
    expect(outcomes[4]).to.have.property('skipped').that.matches(/no database/);
  });

  it('name the example that does not match its schema', async () => {
    const outcomes = await runAll(processorContractChecks(fixture('bad-example')));
    expect(outcomes[2]).to.be.an('error').with.property('message').that.matches(/bad-example: examples\[1\]\/name: must be string/);
  });

  it('catch a migration that names a fixed schema', async () => {
    const url = await createTestDatabase('contract');
    const outcomes = await runAll(processorContractChecks(fixture('fixed-schema-migration'), { databaseUrl: url }));
    expect(outcomes[4]).to.be.an('error').with.property('message')
      .that.matches(/already exists.*in a second, empty schema.*create objects unqualified/s);
  });

  it('catch an entry that exports another type, and a manifest the runtime does not admit', async () => {
    const wrongType = await runAll(processorContractChecks(registryFixture('wrong-type')));
    expect(wrongType[3]).to.be.an('error').with.property('message').that.matches(/defines job type "other" but the manifest declares "wrong-type"/);
    const future = await runAll(processorContractChecks(registryFixture('future-runtime')));
    expect(future[0]).to.be.an('error').with.property('code', 'RUNTIME_INCOMPATIBLE');
  });
});
