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

describe('http-request payload schema', () => {
  const ajv = new Ajv.default({ allErrors: true });
  addFormats.default(ajv);
  expect(ajv.constructor.name).to.equal('Ajv');
  const validate = ajv.compile(schema);

  function errorsOf(payload: unknown): string[] {
    return validate(payload) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  }

  it('is the schema the manifest points to', () => {
    expect(manifest.nselfJobs.processors[0]).to.include({
      type: 'http-request', entry: './dist/index.js', payloadSchema: './schemas/payload.schema.json',
    });
  });

  it('accepts every one of its examples', () => {
    expect(schema.examples.length).to.be.at.least(3);
    for (const example of schema.examples) expect(errorsOf(example), JSON.stringify(example)).to.deep.equal([]);
  });

  it('refuses a missing url, an unknown method and a non-http url', () => {
    expect(errorsOf({ method: 'GET' }).join()).to.match(/required property 'url'/);
    expect(errorsOf({ url: 'https://x.test', method: 'FETCH' }).join()).to.match(/\/method must be equal to one of the allowed values/);
    expect(errorsOf({ url: 'ftp://x' }).join()).to.match(/\/url must match pattern/);
    expect(errorsOf({ url: 'not a url' })).to.not.deep.equal([]);
  });

  it('refuses bad options and unknown keys', () => {
    expect(errorsOf({ url: 'https://x.test', headers: { a: 1 } })).to.not.deep.equal([]);
    expect(errorsOf({ url: 'https://x.test', timeout: 0 })).to.not.deep.equal([]);
    expect(errorsOf({ url: 'https://x.test', timeout: 600_001 })).to.not.deep.equal([]);
    expect(errorsOf({ url: 'https://x.test', retryOn: [409, 409] })).to.not.deep.equal([]);
    expect(errorsOf({ url: 'https://x.test', retryOn: [99] })).to.not.deep.equal([]);
    expect(errorsOf({ url: 'https://x.test', maxResponseBytes: 10_485_761 })).to.not.deep.equal([]);
    expect(errorsOf({ url: 'https://x.test', extra: true }).join()).to.match(/must NOT have additional properties/);
  });

  it('accepts any JSON body', () => {
    for (const body of [null, 0, 'text', [1, 2], { a: { b: true } }]) {
      expect(errorsOf({ url: 'http://x.test', method: 'POST', body })).to.deep.equal([]);
    }
  });
});
