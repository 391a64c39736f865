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

describe('custom-hasura payload schema', () => {
  const ajv = new Ajv.default({ allErrors: true });
  addFormats.default(ajv);
  expect(ajv.constructor.name).to.equal('Ajv');
  const validate = ajv.compile(schema);

  function errorsOf(payload: unknown): string[] {
    return validate(payload) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  }

  it('is the schema the manifest points to, for the type "custom"', () => {
    expect(manifest.nselfJobs.processors[0]).to.include({
      type: 'custom', entry: './dist/index.js', payloadSchema: './schemas/payload.schema.json',
    });
  });

  it('accepts every one of its examples', () => {
    expect(schema.examples.length).to.be.at.least(3);
    for (const example of schema.examples) expect(errorsOf(example), JSON.stringify(example)).to.deep.equal([]);
  });

  it('refuses an action that is not a GraphQL name', () => {
    expect(errorsOf({}).join()).to.match(/required property 'action'/);
    for (const action of ['create-user', '1create', 'createUser { id } deleteAll', 'a b', '', '__schema', 'x'.repeat(129), 'créer']) {
      expect(errorsOf({ action }).join(), action).to.match(/\/action must (match pattern|NOT have more than)/);
    }
    expect(errorsOf({ action: '_private2' })).to.deep.equal([]);
  });

  it('refuses argument names that are not GraphQL names, and non-object data', () => {
    expect(errorsOf({ action: 'a', data: { 'email: $x': 1 } })).to.not.deep.equal([]);
    expect(errorsOf({ action: 'a', data: [1] })).to.not.deep.equal([]);
    expect(errorsOf({ action: 'a', data: { input: { 'any key': [1, null, 'x'] } } })).to.deep.equal([]);
  });

  it('takes lower-case x-hasura-* string session variables, never the admin secret', () => {
    expect(errorsOf({ action: 'a', session: { 'x-hasura-role': 'user', 'x-hasura-user-id': '42' } })).to.deep.equal([]);
    expect(errorsOf({ action: 'a', session: { 'x-hasura-admin-secret': 's' } })).to.not.deep.equal([]);
    expect(errorsOf({ action: 'a', session: { 'x-hasura-access-key': 's' } })).to.not.deep.equal([]);
    expect(errorsOf({ action: 'a', session: { 'X-Hasura-Role': 'user' } })).to.not.deep.equal([]);
    expect(errorsOf({ action: 'a', session: { authorization: 'Bearer x' } })).to.not.deep.equal([]);
    expect(errorsOf({ action: 'a', session: { 'x-hasura-user-id': 42 } })).to.not.deep.equal([]);
    expect(errorsOf({ action: 'a', session: { 'x-hasura-role': 'user\nx: y' } })).to.not.deep.equal([]);
  });

  it('takes a selection set of names only, and a bounded timeout', () => {
    expect(errorsOf({ action: 'a', selection: '{ id user { email } orders(limit: 5) { id } }' })).to.deep.equal([]);
    expect(errorsOf({ action: 'a', selection: 'id email' })).to.not.deep.equal([]);
    expect(errorsOf({ action: 'a', selection: '{ id(where: "x") }' })).to.not.deep.equal([]);
    expect(errorsOf({ action: 'a', selection: '{ id } # comment }' })).to.not.deep.equal([]);
    expect(errorsOf({ action: 'a', timeout: 0 })).to.not.deep.equal([]);
    expect(errorsOf({ action: 'a', timeout: 600_001 })).to.not.deep.equal([]);
    expect(errorsOf({ action: 'a', extra: 1 }).join()).to.match(/must NOT have additional properties/);
  });
});
