import { expect } from 'chai';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readProcessorPackage, RegistryError, type RegisteredProcessor } from '../../src/registry/index.js';
import { fixtureDir, fixtureSource, RUNTIME_VERSION } from './fixtures.js';

async function refusal(name: string, runtimeVersion = RUNTIME_VERSION): Promise<RegistryError> {
  try {
    await readProcessorPackage(fixtureSource(name), runtimeVersion);
  } catch (error) {
    expect(error).to.be.instanceOf(RegistryError);
    return error as RegistryError;
  }
  throw new Error(`expected ${name} to be refused`);
}

describe('registry: readProcessorPackage', () => {
  let greet: RegisteredProcessor;

  before(async () => {
    [greet] = await readProcessorPackage(fixtureSource('greet'), RUNTIME_VERSION);
  });

  it('reads a valid package without running its code', () => {
    expect(greet.type).to.equal('greet');
    expect(greet.description).to.equal('Say hello');
    expect(greet.packageName).to.equal('@fixtures/greet');
    expect(greet.packageVersion).to.equal('1.0.0');
    expect(greet.packageDir).to.equal(fixtureDir('greet'));
    expect(greet.source).to.equal('path');
    expect(greet.defaults).to.deep.equal({ queue: 'default', priority: 'high', attempts: 2 });
    expect(greet.payloadSchema).to.have.property('required').that.deep.equals(['name']);
    expect(greet.migrationsDir).to.equal(undefined);
  });

  it('accepts a prerelease runtime inside the range', async () => {
    const list = await readProcessorPackage(fixtureSource('greet'), '1.2.0-beta.1');
    expect(list.map((p) => p.type)).to.deep.equal(['greet']);
  });

  it('resolves a declared migrations directory to an absolute path', async () => {
    const [shout] = await readProcessorPackage(fixtureSource('shout'), RUNTIME_VERSION);
    expect(shout.migrationsDir).to.equal(path.join(fixtureDir('shout'), 'migrations'));
    expect(shout.defaults).to.deep.equal({});
    expect(shout.description).to.equal(undefined);
  });

  describe('validatePayload', () => {
    it('returns [] for a valid payload', () => {
      expect(greet.validatePayload({ name: 'Ada', email: 'ada@example.com', tags: ['x'] })).to.deep.equal([]);
    });

    it('names a missing property by its own path', () => {
      const problems = greet.validatePayload({});
      expect(problems).to.have.length(1);
      expect(problems[0].path).to.equal('/name');
      expect(problems[0].message).to.match(/must have required property .name./);
    });

    it('reports every problem, with JSON-pointer paths', () => {
      const problems = greet.validatePayload({ name: 42, email: 'not-an-email', times: 0, tags: ['ok', 7], extra: 1 });
      const paths = problems.map((p) => p.path).sort();
      expect(paths).to.deep.equal(['/email', '/extra', '/name', '/tags/1', '/times']);
      expect(problems.find((p) => p.path === '/email')!.message).to.match(/format "email"/);
      expect(problems.find((p) => p.path === '/extra')!.message).to.match(/additional properties/);
      expect(problems.find((p) => p.path === '/times')!.message).to.match(/>= 1/);
    });

    it('uses "" for the payload itself', () => {
      expect(greet.validatePayload('hello')).to.deep.equal([{ path: '', message: 'must be object' }]);
    });

    it('never changes the payload (no defaults, no coercion)', () => {
      const payload = { name: 'Ada' };
      expect(greet.validatePayload(payload)).to.deep.equal([]);
      expect(payload).to.deep.equal({ name: 'Ada' });
      const numeric = { name: 'Ada', times: '3' };
      expect(greet.validatePayload(numeric).map((p) => p.path)).to.deep.equal(['/times']);
      expect(numeric.times).to.equal('3');
    });

    it('compiles each schema on its own, so packages may reuse an $id', async () => {
      const [shout] = await readProcessorPackage(fixtureSource('shout'), RUNTIME_VERSION);
      expect(shout.validatePayload({ text: 'hi' })).to.deep.equal([]);
      expect(shout.validatePayload({}).map((p) => p.path)).to.deep.equal(['/text']);
      expect(greet.validatePayload({ text: 'hi' }).map((p) => p.path).sort()).to.deep.equal(['/name', '/text']);
    });
  });

  describe('refusals', () => {
    it('refuses a broken manifest, naming the package and each problem', async () => {
      const error = await refusal('broken-manifest');
      expect(error.code).to.equal('MANIFEST_INVALID');
      expect(error.packageName).to.equal('@fixtures/broken-manifest');
      expect(error.message).to.include(fixtureDir('broken-manifest'));
      expect(error.message).to.include('@fixtures/broken-manifest: nselfJobs.processors[0].type: must match pattern');
      expect(error.message).to.include('@fixtures/broken-manifest: nselfJobs.processors[0].payloadSchema: is required');
      expect(error.message).to.include('nselfJobs.processors[0].defaults.priority: must be one of "critical"');
      expect(error.message).to.include('nselfJobs.colour: is not a known manifest key');
      expect(error.message).to.match(/fix the manifest/);
    });

    it('refuses a package built for another runtime major, saying what to do', async () => {
      const error = await refusal('future-runtime');
      expect(error.code).to.equal('RUNTIME_INCOMPATIBLE');
      expect(error.packageName).to.equal('@fixtures/future-runtime');
      expect(error.message).to.include('requires @nself-jobs/runtime ^2.0.0');
      expect(error.message).to.include('update @fixtures/future-runtime to a version built for @nself-jobs/runtime 1.x');
      expect(error.message).to.include(fixtureDir('future-runtime'));
    });

    it('refuses a schema that does not compile, with ajv\'s message', async () => {
      const error = await refusal('bad-schema');
      expect(error.code).to.equal('SCHEMA_INVALID');
      expect(error.packageName).to.equal('@fixtures/bad-schema');
      expect(error.message).to.include('@fixtures/bad-schema');
      expect(error.message).to.include('does not compile');
      expect(error.message).to.match(/schema is invalid|must be equal to one of the allowed values/);
    });

    it('refuses an entry that escapes the package directory', async () => {
      const error = await refusal('escaping-entry');
      expect(error.code).to.equal('MANIFEST_INVALID');
      expect(error.message).to.include('@fixtures/escaping-entry: nselfJobs.processors[0].entry: "../x.js" points outside');
    });

    it('refuses a directory without a package.json', async () => {
      const error = await refusal('does-not-exist');
      expect(error.code).to.equal('PACKAGE_NOT_FOUND');
      expect(error.message).to.include(fixtureDir('does-not-exist'));
    });

    it('refuses an invalid runtime range as a manifest problem', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'registry-range-'));
      try {
        await cp(fixtureDir('greet'), dir, { recursive: true });
        const pkg = { name: '@fixtures/bad-range', version: '1.0.0', nselfJobs: {
          manifestVersion: 1, runtime: 'not a range',
          processors: [{ type: 'greet', entry: './index.js', payloadSchema: './payload.schema.json' }],
        } };
        await writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg));
        const error = await readProcessorPackage({ packageDir: dir, source: 'path' }, RUNTIME_VERSION).then(
          () => expect.fail('expected a refusal'),
          (e: RegistryError) => e,
        );
        expect(error.code).to.equal('MANIFEST_INVALID');
        expect(error.message).to.include('@fixtures/bad-range: nselfJobs.runtime: "not a range" is not a valid semver range');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
