import { expect } from 'chai';
import { cp, mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProcessorRegistry, readProcessorPackage, RegistryError } from '../../src/registry/index.js';
import { fixtureDir, fixtureSource, RUNTIME_VERSION } from './fixtures.js';

declare global {
  // Set by the greet fixture's entry each time it is imported.
  var __fixtureGreetImports: number | undefined;
}

function discover(...names: string[]): Promise<ProcessorRegistry> {
  return ProcessorRegistry.discover({ sources: names.map(fixtureSource), runtimeVersion: RUNTIME_VERSION });
}

async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(() => expect.fail('expected a refusal'), (e: unknown) => e);
  expect(error).to.be.instanceOf(RegistryError);
  return error as RegistryError;
}

describe('registry: ProcessorRegistry', () => {
  it('discovers types without importing any entry, then loads an entry once on demand', async () => {
    // This must be the first test in the run that touches the greet fixture's entry.
    expect(globalThis.__fixtureGreetImports).to.equal(undefined);
    const registry = await discover('shout', 'greet');
    expect(registry.types()).to.deep.equal(['greet', 'shout']);
    expect(registry.list().map((p) => p.packageName)).to.deep.equal(['@fixtures/greet', '@fixtures/shout']);
    expect(globalThis.__fixtureGreetImports).to.equal(undefined);

    const greet = registry.require('greet');
    const first = greet.load();
    expect(greet.load()).to.equal(first);
    const definition = await first;
    expect(globalThis.__fixtureGreetImports).to.equal(1);
    expect(definition.type).to.equal('greet');
    const context = { payload: { name: 'Ada' } } as Parameters<typeof definition.process>[0];
    expect(await definition.process(context)).to.equal('Hello, Ada');
    expect(await greet.load()).to.equal(definition);
  });

  it('reads the same directory once when two sources name it', async () => {
    const registry = await ProcessorRegistry.discover({
      sources: [fixtureSource('greet'), { packageDir: `${fixtureDir('greet')}/`, source: 'installed' }],
      runtimeVersion: RUNTIME_VERSION,
    });
    expect(registry.types()).to.deep.equal(['greet']);
    expect(registry.get('greet')!.source).to.equal('path');
  });

  it('refuses two packages declaring the same type, naming both', async () => {
    const error = await rejection(discover('greet', 'greet-duplicate'));
    expect(error.code).to.equal('DUPLICATE_TYPE');
    expect(error.message).to.include('"greet"');
    expect(error.message).to.include('@fixtures/greet@1.0.0');
    expect(error.message).to.include('@fixtures/greet-duplicate@1.0.0');
    expect(error.message).to.include(fixtureDir('greet-duplicate'));
    expect(error.message).to.include('rename one of the types or uninstall one package');
  });

  it('fromProcessors refuses duplicates too', async () => {
    const registry = await discover('greet');
    const [greet] = registry.list();
    const copy = { ...greet, packageName: '@acme/copy' };
    const error = (() => {
      try {
        ProcessorRegistry.fromProcessors([greet, copy]);
      } catch (e) {
        return e as RegistryError;
      }
      return expect.fail('expected a refusal');
    })();
    expect(error.code).to.equal('DUPLICATE_TYPE');
    expect(error.message).to.include('@acme/copy');
    expect(ProcessorRegistry.fromProcessors([greet]).types()).to.deep.equal(['greet']);
  });

  it('passes on the refusal of one package during discovery', async () => {
    const error = await rejection(discover('greet', 'future-runtime'));
    expect(error.code).to.equal('RUNTIME_INCOMPATIBLE');
    expect(error.packageName).to.equal('@fixtures/future-runtime');
  });

  it('require() of an unknown type lists the installed ones', async () => {
    const registry = await discover('greet', 'shout');
    expect(registry.get('nope')).to.equal(undefined);
    let error: RegistryError | undefined;
    try {
      registry.require('nope');
    } catch (e) {
      error = e as RegistryError;
    }
    expect(error).to.be.instanceOf(RegistryError);
    expect(error!.code).to.equal('UNKNOWN_TYPE');
    expect(error!.message).to.include('"nope"');
    expect(error!.message).to.include('installed types are greet, shout');
    expect(error!.details).to.deep.equal({ type: 'nope', known: ['greet', 'shout'] });
  });

  it('an empty registry says that nothing is installed', () => {
    const registry = ProcessorRegistry.fromProcessors([]);
    expect(registry.types()).to.deep.equal([]);
    expect(() => registry.require('greet')).to.throw(RegistryError, /no processor is installed/);
  });

  describe('load() refusals', () => {
    it('refuses an entry whose default export is not a processor definition', async () => {
      const registry = await discover('not-a-processor');
      const error = await rejection(registry.require('not-a-processor').load());
      expect(error.code).to.equal('ENTRY_INVALID');
      expect(error.packageName).to.equal('@fixtures/not-a-processor');
      expect(error.message).to.include('@fixtures/not-a-processor');
      expect(error.message).to.include('does not default-export a processor definition');
      expect(error.message).to.include('defineProcessor');
    });

    it('refuses an entry that declares another type', async () => {
      const registry = await discover('wrong-type');
      const error = await rejection(registry.require('wrong-type').load());
      expect(error.code).to.equal('ENTRY_INVALID');
      expect(error.message).to.include('@fixtures/wrong-type');
      expect(error.message).to.include('defines job type "other" but the manifest declares "wrong-type"');
    });

    it('refuses a missing entry file at load time, not at discovery', async () => {
      // A package whose manifest is fine but whose built entry is absent.
      const dir = await mkdtemp(path.join(tmpdir(), 'registry-entry-'));
      try {
        await cp(fixtureDir('shout'), dir, { recursive: true });
        await unlink(path.join(dir, 'index.js'));
        const [shout] = await readProcessorPackage({ packageDir: dir, source: 'path' }, RUNTIME_VERSION);
        const error = await rejection(shout.load());
        expect(error.code).to.equal('ENTRY_INVALID');
        expect(error.message).to.include('@fixtures/shout');
        expect(error.message).to.include('does not exist');
        expect(error.message).to.include('build @fixtures/shout or reinstall it');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
