import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// As in http-request: load ajv 8 through ajv-formats' own resolution (the root's ajv is eslint's ajv 6).
const require = createRequire(import.meta.url);
const formatsPath = require.resolve('ajv-formats');
const addFormats = require('ajv-formats') as { default: (ajv: AjvInstance) => AjvInstance };
interface ValidateFunction {
  (data: unknown): boolean;
  errors?: { instancePath: string; message?: string }[] | null;
}
interface AjvInstance {
  compile(schema: object): ValidateFunction;
}
const Ajv = createRequire(formatsPath)('ajv') as { default: new (options: object) => AjvInstance };

const schema = JSON.parse(readFileSync(new URL('../schemas/payload.schema.json', import.meta.url), 'utf8')) as { examples: unknown[] };
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  nselfJobs: { processors: { type: string; entry: string; payloadSchema: string }[] };
};

describe('database-backup payload schema', () => {
  const ajv = new Ajv.default({ allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  const errorsOf = (payload: unknown): string[] =>
    validate(payload) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);

  it('is the schema the manifest points to', () => {
    expect(manifest.nselfJobs.processors[0]).to.include({
      type: 'database-backup', entry: './dist/index.js', payloadSchema: './schemas/payload.schema.json',
    });
  });

  it('accepts every one of its examples', () => {
    expect(schema.examples.length).to.be.at.least(3);
    for (const example of schema.examples) expect(errorsOf(example), JSON.stringify(example)).to.deep.equal([]);
  });

  it('accepts the jobs the README tells people to paste into POST /api/jobs', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const bodies = [...readme.matchAll(/-d '(\{"type":"database-backup".*?\})'/g)].map((m) => JSON.parse(m[1]!) as { payload: unknown });
    expect(bodies.length).to.be.at.least(2);
    for (const body of bodies) expect(errorsOf(body.payload), JSON.stringify(body)).to.deep.equal([]);
  });

  it('requires a destination and accepts the four kinds', () => {
    expect(errorsOf({}).join()).to.match(/required property 'destination'/);
    for (const destination of ['backups/', '/var/backups/x.dump', 's3://b/p/', 'S3://b/p/', 'minio://b/', 'http://127.0.0.1:9000/b/p/', 'https://s3.example.com/b/k.dump']) {
      expect(errorsOf({ destination }), destination).to.deep.equal([]);
    }
  });

  it('refuses other URL schemes, bad enums, unknown keys', () => {
    expect(errorsOf({ destination: 'ftp://host/x' }).join()).to.match(/\/destination must match pattern/);
    expect(errorsOf({ destination: 'file:///etc/x' }).join()).to.match(/\/destination must match pattern/);
    expect(errorsOf({ destination: 'x/', compression: 'zstd' })).to.not.deep.equal([]);
    expect(errorsOf({ destination: 'x/', format: 'directory' })).to.not.deep.equal([]);
    expect(errorsOf({ destination: 'x/', encryption: 'yes' })).to.not.deep.equal([]);
    expect(errorsOf({ destination: 'x/', tables: [] })).to.not.deep.equal([]);
    expect(errorsOf({ destination: 'x/', tables: ['a', 'a'] })).to.not.deep.equal([]);
    expect(errorsOf({ destination: 'x/', database: '' })).to.not.deep.equal([]);
    expect(errorsOf({ destination: 'x/', password: 'p' }).join()).to.match(/must NOT have additional properties/);
  });
});
