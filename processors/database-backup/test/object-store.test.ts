import { expect } from 'chai';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { isPermanentJobError } from '@nself-jobs/sdk';
import { decryptBackup } from '../src/index.js';
import { rejection, runJob } from './job-context.js';
import { databaseName, freshDatabase, recordingPgDump, restoreCustom, seedDatabase, snapshot, sql } from './postgres.js';
import { startTestS3, type TestS3 } from './s3-test-server.js';

// s3rver knows one access key id, S3RVER; it never checks a V4 signature, the proxy does, with SECRET.
const ACCESS_KEY = 'S3RVER';
const SECRET = 'test-secret-key-for-signature-v4';
const BUCKET = 'backups';
const KEY = crypto.randomBytes(32).toString('base64');

describe('database-backup to S3-compatible storage (s3rver behind a SigV4-checking proxy)', function () {
  this.timeout(30000);
  let s3: TestS3;
  let sourceUrl: string;
  let source: string;
  let tmp: string;

  before(async () => {
    s3 = await startTestS3({ accessKeyId: ACCESS_KEY, secretAccessKey: SECRET, buckets: [BUCKET] });
    sourceUrl = await freshDatabase('backup_s3');
    source = databaseName(sourceUrl);
    await seedDatabase(sourceUrl);
  });
  after(async () => { await s3?.close(); });
  beforeEach(() => {
    s3.requests.length = 0;
    s3.onRequest = undefined;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'db-backup-s3-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH, DATABASE_URL: sourceUrl, AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET, ...extra,
  });
  const direct = () => new S3Client({
    endpoint: s3.directEndpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  async function download(key: string): Promise<Buffer> {
    const client = direct();
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    } finally {
      client.destroy();
    }
  }
  async function keys(prefix: string): Promise<string[]> {
    const client = direct();
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
      return (listed.Contents ?? []).map((o) => o.Key!);
    } finally {
      client.destroy();
    }
  }

  it('uploads to http://host:port/bucket/prefix/ path style, signed; the object restores to the same rows', async () => {
    const result = await runJob({ destination: `${s3.endpoint}/${BUCKET}/pg/nightly/` }, env());
    const key = result.destination.slice(`${s3.endpoint}/${BUCKET}/`.length);
    expect(key).to.match(new RegExp(`^pg/nightly/${source}-.*\\.dump\\.gz$`));
    expect(s3.requests.length).to.be.greaterThan(0);
    expect(s3.requests.every((r) => r.verdict === 'ok')).to.equal(true);
    expect(s3.requests.map((r) => `${r.method} ${r.path}`)).to.include(`PUT /${BUCKET}/${key}`);
    expect(s3.requests.every((r) => r.contentSha256 !== 'UNSIGNED-PAYLOAD')).to.equal(true); // the body is signed too

    const stored = await download(key);
    expect(stored.length).to.equal(result.bytes);
    expect(crypto.createHash('sha256').update(stored).digest('hex')).to.equal(result.sha256);
    const dump = path.join(tmp, 'r.dump');
    fs.writeFileSync(dump, zlib.gunzipSync(stored));
    const restored = await freshDatabase('backup_dst');
    await restoreCustom(dump, restored);
    expect(await snapshot(restored)).to.deep.equal(await snapshot(sourceUrl));
  });

  it('minio://bucket/key with MINIO_ENDPOINT and MINIO_* credentials, encrypted, decrypts back', async () => {
    const result = await runJob({ destination: `minio://${BUCKET}/exact/name.dump.gz.enc`, encryption: true }, {
      PATH: process.env.PATH, DATABASE_URL: sourceUrl, MINIO_ENDPOINT: s3.endpoint.replace('http://', ''),
      MINIO_ACCESS_KEY: ACCESS_KEY, MINIO_SECRET_KEY: SECRET, JOBS_BACKUP_ENCRYPTION_KEY: KEY,
    });
    expect(result.destination).to.equal(`minio://${BUCKET}/exact/name.dump.gz.enc`);
    const sealed = await download('exact/name.dump.gz.enc');
    fs.writeFileSync(path.join(tmp, 'b.enc'), sealed);
    await decryptBackup(path.join(tmp, 'b.enc'), path.join(tmp, 'b.gz'), KEY);
    expect(zlib.gunzipSync(fs.readFileSync(path.join(tmp, 'b.gz'))).subarray(0, 5).toString()).to.equal('PGDMP');
  });

  it('a wrong secret fails the job permanently (SignatureDoesNotMatch) and stores nothing', async () => {
    const error = await rejection(runJob({ destination: `${s3.endpoint}/${BUCKET}/wrong/` }, env({ AWS_SECRET_ACCESS_KEY: 'not-the-secret' })));
    expect(isPermanentJobError(error)).to.equal(true);
    expect(error.message).to.match(/^upload to http:\/\/127\.0\.0\.1:\d+\/backups\/wrong\/.* failed: SignatureDoesNotMatch \(HTTP 403\)/);
    expect(error.message).to.not.include('not-the-secret');
    expect(s3.requests.length).to.be.greaterThan(0);
    expect(s3.requests.every((r) => r.verdict === 'SignatureDoesNotMatch')).to.equal(true);
    expect(await keys('wrong/')).to.deep.equal([]);
  });

  describe('a dump larger than one 8 MiB part', () => {
    before(async () => {
      await sql(sourceUrl, `CREATE UNLOGGED TABLE blob AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) AS filler
        FROM generate_series(1, 120000) g`);
    });
    after(async () => { await sql(sourceUrl, 'DROP TABLE blob'); });

    it('is streamed as a multipart upload, every request signed', async () => {
      const result = await runJob({ destination: `${s3.endpoint}/${BUCKET}/multi/`, compression: 'none', format: 'plain' }, env());
      expect(result.bytes).to.be.greaterThan(8 * 1024 * 1024);
      const seen = s3.requests.map((r) => `${r.method}${'uploads' in r.query ? ' uploads' : ''}${'partNumber' in r.query ? ' part' : ''}`);
      expect(seen).to.include('POST uploads');
      expect(seen.filter((s) => s === 'PUT part').length).to.be.at.least(2);
      expect(s3.requests.every((r) => r.verdict === 'ok')).to.equal(true);
      const stored = await download(result.destination.slice(`${s3.endpoint}/${BUCKET}/`.length));
      expect(stored.length).to.equal(result.bytes);
      expect(crypto.createHash('sha256').update(stored).digest('hex')).to.equal(result.sha256);
      expect(stored.toString('utf8')).to.match(/CREATE UNLOGGED TABLE public\.blob/);
    });

    it('aborted mid-upload: pg_dump is killed, the multipart upload aborted, nothing stored', async () => {
      const recorder = recordingPgDump(tmp);
      const controller = new AbortController();
      s3.onRequest = (request) => {
        if ('partNumber' in request.query && !controller.signal.aborted) controller.abort();
      };
      const error = await rejection(runJob({ destination: `${s3.endpoint}/${BUCKET}/aborted/`, compression: 'none', format: 'plain' },
        env({ JOBS_BACKUP_PG_DUMP: recorder.binary }), { signal: controller.signal }));
      expect(error.message).to.equal('database backup aborted');
      expect(error.code).to.equal('BACKUP_ABORTED');
      expect(() => process.kill(recorder.pid(), 0)).to.throw(/ESRCH/);
      expect(s3.requests.some((r) => r.method === 'DELETE' && 'uploadId' in r.query)).to.equal(true); // AbortMultipartUpload
      expect(s3.requests.some((r) => r.method === 'POST' && 'uploadId' in r.query)).to.equal(false); // never completed
      expect(await keys('aborted/')).to.deep.equal([]);
    });
  });

  it('pg_dump failing leaves no object', async () => {
    const failed = await rejection(runJob({ destination: `${s3.endpoint}/${BUCKET}/failed/`, database: 'no_such_db_s3' }, env()));
    expect(failed.message).to.match(/database "no_such_db_s3" does not exist/);
    expect(s3.requests.filter((r) => r.method !== 'GET')).to.deep.equal([]);
    expect(await keys('failed/')).to.deep.equal([]);
  });

  it('says what is missing: AWS_REGION for s3://, MINIO_ENDPOINT for minio://, credentials for http(s)://', async () => {
    const base = { PATH: process.env.PATH, DATABASE_URL: sourceUrl };
    const region = await rejection(runJob({ destination: 's3://bucket/x/' }, base));
    expect(isPermanentJobError(region)).to.equal(true);
    expect(region.message).to.match(/AWS_REGION/);
    expect((await rejection(runJob({ destination: 'minio://bucket/x/' }, base))).message).to.match(/MINIO_ENDPOINT/);
    expect((await rejection(runJob({ destination: `${s3.endpoint}/${BUCKET}/x/` }, base))).message).to.match(/MINIO_ACCESS_KEY.*AWS_ACCESS_KEY_ID/);
    expect(s3.requests).to.deep.equal([]);
  });
});
