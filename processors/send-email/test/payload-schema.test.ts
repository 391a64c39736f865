import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { prepareMessage } from '../src/prepare-message.js';
import { settingsFromEnv } from '../src/settings.js';
import type { SendEmailPayload } from '../src/index.js';

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
  validateSchema(schema: object): boolean;
}
const Ajv = createRequire(formatsPath)('ajv') as { default: new (options: object) => AjvInstance };

const schema = JSON.parse(readFileSync(new URL('../schemas/payload.schema.json', import.meta.url), 'utf8')) as {
  examples: SendEmailPayload[];
};
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  nselfJobs: { processors: { type: string; entry: string; payloadSchema: string }[] };
};

describe('send-email payload schema', () => {
  // The runtime's options: strict off, no defaults, no coercion.
  const ajv = new Ajv.default({ allErrors: true, strict: false, useDefaults: false, coerceTypes: false });
  addFormats.default(ajv);
  expect(ajv.constructor.name).to.equal('Ajv');
  const validate = ajv.compile(schema);

  function errorsOf(payload: unknown): string[] {
    return validate(payload) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  }
  const base = { to: 'a@example.com', subject: 'Hi', body: 'Hello' };

  it('is a valid draft-07 schema, the one the manifest points to', () => {
    expect(ajv.validateSchema(schema)).to.equal(true);
    // ajv's default strict mode refuses unknown keywords and formats.
    expect(new Ajv.default({ allErrors: true }).compile(schema)).to.be.a('function');
    expect(manifest.nselfJobs.processors[0]).to.include({
      type: 'send-email', entry: './dist/index.js', payloadSchema: './schemas/payload.schema.json',
    });
  });

  it('accepts every one of its examples, and so does the processor', () => {
    expect(schema.examples.length).to.be.at.least(3);
    const settings = settingsFromEnv({ SMTP_HOST: 'smtp.example.com', SMTP_FROM: 'robot@example.com' });
    for (const example of schema.examples) {
      expect(errorsOf(example), JSON.stringify(example)).to.deep.equal([]);
      expect(() => prepareMessage(example, settings), JSON.stringify(example)).to.not.throw();
    }
  });

  it('accepts to, cc and bcc as a string or a list', () => {
    expect(errorsOf({ ...base, to: ['a@example.com', 'B <b@example.com>'], cc: 'c@example.com', bcc: ['d@example.com'] })).to.deep.equal([]);
    expect(errorsOf({ ...base, html: '<p>x</p>', body: undefined })).to.deep.equal([]);
  });

  it('refuses missing fields, a missing body and html, and unknown keys', () => {
    expect(errorsOf({ subject: 's', body: 'b' }).join()).to.match(/required property 'to'/);
    expect(errorsOf({ to: 'a@example.com', body: 'b' }).join()).to.match(/required property 'subject'/);
    expect(errorsOf({ to: 'a@example.com', subject: 's' }).join()).to.match(/must match a schema in anyOf/);
    expect(errorsOf({ ...base, text: 'b' }).join()).to.match(/must NOT have additional properties/);
    expect(errorsOf({ ...base, to: [] })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, to: 42 })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, subject: '' })).to.not.deep.equal([]);
  });

  it('refuses control characters in addresses, subject and header values', () => {
    expect(errorsOf({ ...base, to: 'a@example.com\r\nBcc: x@evil.example' })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, cc: ['ok@example.com', 'b@example.com\n'] })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, subject: 'Hi\r\nBcc: x@evil.example' }).join()).to.match(/\/subject must match pattern/);
    // The pattern is written with \uXXXX escapes, so the error message a client sees stays readable.
    expect(errorsOf({ ...base, subject: 'Hi\nthere' }).join()).to.contain('/subject must match pattern "^[^\\u0000-\\u001f');
    expect(errorsOf({ ...base, subject: 'Grüße – naïve ☃ subject\ttab' })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, subject: 'Grüße – naïve ☃ subject' })).to.deep.equal([]);
    expect(errorsOf({ ...base, headers: { 'X-A': 'v\nBcc: x' } }).join()).to.match(/\/headers\/X-A must match pattern/);
    expect(errorsOf({ ...base, headers: { 'X A': 'v' } })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, headers: { 'X-A': 1 } })).to.not.deep.equal([]);
  });

  it('caps list sizes and checks attachments', () => {
    const many = Array.from({ length: 101 }, (_, i) => `u${i}@example.com`);
    expect(errorsOf({ ...base, to: many })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, attachments: Array.from({ length: 21 }, () => ({ filename: 'a.txt', content: 'x' })) })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, attachments: [{ filename: 'a.txt', content: 'x', encoding: 'hex' }] })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, attachments: [{ filename: 'a.txt' }] }).join()).to.match(/required property 'content'/);
    expect(errorsOf({ ...base, attachments: [{ filename: 'dir/a.txt', content: 'x' }] })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, attachments: [{ filename: 'dir\\a.txt', content: 'x' }] })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, attachments: [{ filename: 'a\r\n.txt', content: 'x' }] })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, attachments: [{ filename: 'résumé 2024.pdf', content: 'x' }] })).to.deep.equal([]);
    expect(errorsOf({ ...base, attachments: [{ filename: 'a.txt', content: 'x', contentType: 'text' }] })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, attachments: [{ filename: 'a.txt', content: 'x', size: 1 }] })).to.not.deep.equal([]);
    expect(errorsOf({ ...base, allowPartialDelivery: 'yes' })).to.not.deep.equal([]);
  });
});
