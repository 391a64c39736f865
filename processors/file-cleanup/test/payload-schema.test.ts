import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// The repo root's `ajv` is eslint's ajv 6; the runtime validates with ajv 8, the one ajv-formats is
// paired with. Loading ajv through ajv-formats' own resolution gets that pair whatever npm hoists.
const require = createRequire(import.meta.url);
const formatsPath = require.resolve('ajv-formats');
const addFormats = require('ajv-formats') as { default: (ajv: AjvInstance) => AjvInstance };
// Typed by hand: `import type ... from 'ajv'` would also find the root's ajv 6 typings.
interface ValidateFunction {
  (data: unknown): boolean;
  errors?: { instancePath: string; message?: string }[] | null;
}
interface AjvInstance {
  compile(schema: object): ValidateFunction;
}
const Ajv = createRequire(formatsPath)('ajv') as { default: new (options: object) => AjvInstance };

const schema = JSON.parse(readFileSync(new URL('../schemas/payload.schema.json', import.meta.url), 'utf8')) as {
  examples: unknown[];
};
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  nselfJobs: { processors: { type: string; entry: string; payloadSchema: string }[] };
};

describe('file-cleanup payload schema', () => {
  const ajv = new Ajv.default({ allErrors: true });
  addFormats.default(ajv);
  expect(ajv.constructor.name).to.equal('Ajv');
  const validate = ajv.compile(schema);

  function errorsOf(payload: unknown): string[] {
    return validate(payload) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  }

  it('is the schema the manifest points to', () => {
    expect(manifest.nselfJobs.processors[0]).to.include({
      type: 'file-cleanup', entry: './dist/index.js', payloadSchema: './schemas/payload.schema.json',
    });
  });

  it('accepts every one of its examples', () => {
    expect(schema.examples.length).to.be.at.least(3);
    for (const example of schema.examples) expect(errorsOf(example), JSON.stringify(example)).to.deep.equal([]);
  });

  it('requires a known target', () => {
    expect(errorsOf({}).join()).to.match(/required property 'target'/);
    expect(errorsOf({ target: 'all_jobs' }).join()).to.match(/\/target must be equal to one of the allowed values/);
  });

  it('takes older_than_hours or older_than_days, not both, never negative', () => {
    expect(errorsOf({ target: 'failed_jobs', older_than_hours: 1, older_than_days: 1 }).join()).to.match(/must NOT be valid/);
    expect(errorsOf({ target: 'failed_jobs', older_than_hours: -1 })).to.not.deep.equal([]);
    expect(errorsOf({ target: 'failed_jobs', older_than_days: '7' })).to.not.deep.equal([]);
    expect(errorsOf({ target: 'failed_jobs', older_than_days: 36_501 })).to.not.deep.equal([]);
    expect(errorsOf({ target: 'completed_jobs', older_than_hours: 0 })).to.deep.equal([]);
    expect(errorsOf({ target: 'completed_jobs', older_than_days: 0.25 })).to.deep.equal([]);
  });

  it('refuses a bad queue name and unknown keys', () => {
    expect(errorsOf({ target: 'completed_jobs', queue: 'a b' }).join()).to.match(/\/queue must match pattern/);
    expect(errorsOf({ target: 'completed_jobs', queue: '' })).to.not.deep.equal([]);
    expect(errorsOf({ target: 'completed_jobs', queue: 'x'.repeat(101) })).to.not.deep.equal([]);
    expect(errorsOf({ target: 'completed_jobs', older_than: 3 }).join()).to.match(/must NOT have additional properties/);
  });
});
