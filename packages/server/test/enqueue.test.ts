import { expect } from 'chai';
import { backendCount, recordCount, startTestServer, type Reply, type TestServer } from './support.js';

type Detail = { path: string; message: string };

describe('server: POST /api/jobs (real runtime, real HTTP)', () => {
  let t: TestServer;

  before(async () => {
    t = await startTestServer();
  });
  after(() => t?.close());

  async function expectNothingWritten(): Promise<void> {
    expect(await recordCount(t.runtime), 'rows in jobs').to.equal(0);
    expect(await backendCount(t.runtime), 'jobs in the backend').to.equal(0);
  }

  describe('rejections: the right status, the JSON error shape, nothing recorded or queued', () => {
    const cases: Array<{ name: string; status: number; code: string; send: { body?: unknown; raw?: string; headers?: Record<string, string> }; check?: (body: Reply['body']) => void }> = [
      {
        name: 'an extra top-level field (400 naming it)', status: 400, code: 'BODY_INVALID',
        send: { body: { type: 'echo', payload: {}, jobId: 'x', lifo: true } },
        check: (b) => {
          expect(b.error.message).to.contain('jobId').and.to.contain('lifo');
          expect(b.error.details.map((d: Detail) => d.path)).to.deep.equal(['/jobId', '/lifo']);
        },
      },
      {
        name: 'an option that is not allowed (400 naming it)', status: 400, code: 'OPTIONS_INVALID',
        send: { body: { type: 'echo', payload: {}, options: { repeat: { every: 1000 }, removeOnComplete: true } } },
        check: (b) => expect(b.error.details.map((d: Detail) => d.path)).to.deep.equal(['/options/repeat', '/options/removeOnComplete']),
      },
      {
        name: 'a bad option value', status: 400, code: 'OPTIONS_INVALID',
        send: { body: { type: 'echo', options: { priority: 'urgent', maxRetries: -1 } } },
        check: (b) => expect(b.error.details.map((d: Detail) => d.path)).to.deep.equal(['/options/priority', '/options/maxRetries']),
      },
      {
        name: 'an unknown queue', status: 400, code: 'OPTIONS_INVALID',
        send: { body: { type: 'echo', queue: 'nowhere' } },
        check: (b) => expect(b.error.details[0].path).to.equal('/queue'),
      },
      {
        name: 'a missing type', status: 400, code: 'OPTIONS_INVALID',
        send: { body: { payload: {} } },
      },
      {
        name: 'an unknown type (422 listing the installed types)', status: 422, code: 'UNKNOWN_TYPE',
        send: { body: { type: 'nope', payload: {} } },
        check: (b) => {
          expect(b.error.details.installedTypes).to.include.members(['echo', 'flaky', 'sleep', 'refuse']);
          expect(b.error.message).to.contain('echo');
        },
      },
      {
        name: 'a payload that does not match the schema (422, every problem with a path)', status: 422, code: 'PAYLOAD_INVALID',
        send: { body: { type: 'sleep', payload: { ms: 'soon', extra: 1 } } },
        check: (b) => {
          const paths = b.error.details.map((d: Detail) => d.path);
          expect(paths).to.include('/payload/ms');
          expect(b.error.details.every((d: Detail) => typeof d.message === 'string')).to.equal(true);
          expect(b.error.details.length).to.be.at.least(2);
        },
      },
      { name: 'a body that is not JSON', status: 400, code: 'BODY_INVALID', send: { raw: '{"type": "echo",', headers: { 'content-type': 'application/json' } } },
      { name: 'a JSON body that is not an object', status: 400, code: 'BODY_INVALID', send: { raw: '"echo"', headers: { 'content-type': 'application/json' } } },
      { name: 'a JSON array body', status: 400, code: 'BODY_INVALID', send: { body: [{ type: 'echo' }] } },
      { name: 'no body at all', status: 400, code: 'BODY_INVALID', send: {} },
      {
        name: 'a body over the limit (413)', status: 413, code: 'BODY_TOO_LARGE',
        send: { body: { type: 'echo', payload: { big: 'x'.repeat(1_100_000) } } },
        check: (b) => expect(b.error.details).to.deep.equal({ limit: 1_048_576 }),
      },
      { name: 'a wrong content type (415)', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', send: { raw: 'type=echo', headers: { 'content-type': 'application/x-www-form-urlencoded' } } },
      { name: 'text/plain JSON (415)', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', send: { raw: '{"type":"echo"}', headers: { 'content-type': 'text/plain' } } },
    ];

    for (const c of cases) {
      it(c.name, async () => {
        const reply = await t.call('POST', '/api/jobs', c.send);
        expect(reply.status, reply.text).to.equal(c.status);
        expect(reply.headers.get('content-type')).to.match(/^application\/json/);
        expect(reply.body.error).to.have.all.keys('code', 'message', 'details');
        expect(reply.body.error.code).to.equal(c.code);
        expect(reply.text).to.not.match(/\n\s+at /);
        c.check?.(reply.body);
        await expectNothingWritten();
      });
    }

    it('a payload with U+0000, which PostgreSQL cannot store (422)', async () => {
      const reply = await t.call('POST', '/api/jobs', { body: { type: 'echo', payload: { s: 'a\u0000b' } } });
      expect(reply.status, reply.text).to.equal(422);
      expect(reply.body.error.code).to.equal('PAYLOAD_INVALID');
      await expectNothingWritten();
    });
  });

  describe('accepted jobs', () => {
    afterEach(async () => {
      await t.runtime.pool.query('TRUNCATE jobs CASCADE');
      for (const name of ['default', 'high-priority', 'low-priority']) await t.runtime.queue(name).obliterate({ force: true });
    });

    it('201 with id, type, queue and status; recorded and queued', async () => {
      const reply = await t.call('POST', '/api/jobs', { body: { type: 'echo', queue: 'high-priority', payload: { to: 'x' }, options: { priority: 'high', maxRetries: 2, timeout: 1000 } } });
      expect(reply.status, reply.text).to.equal(201);
      expect(reply.body).to.include({ type: 'echo', queue: 'high-priority', status: 'waiting', existing: false });
      expect(reply.body.id).to.match(/^[0-9a-f-]{36}$/);
      const { rows } = await t.runtime.pool.query('SELECT priority, max_attempts, payload FROM jobs WHERE id = $1', [reply.body.id]);
      expect(rows[0]).to.deep.equal({ priority: 'high', max_attempts: 3, payload: { to: 'x' } });
      expect(await t.runtime.queue('high-priority').getJob(reply.body.id)).to.not.equal(undefined);
    });

    it('a delayed job is 201 with status delayed', async () => {
      const reply = await t.call('POST', '/api/jobs', { body: { type: 'echo', options: { delay: 60000 } } });
      expect(reply.status).to.equal(201);
      expect(reply.body.status).to.equal('delayed');
    });

    it('the same idempotencyKey twice returns the first job (200, existing: true)', async () => {
      const body = { type: 'echo', payload: { n: 1 }, options: { idempotencyKey: 'order-42' } };
      const first = await t.call('POST', '/api/jobs', { body });
      const second = await t.call('POST', '/api/jobs', { body: { ...body, payload: { n: 2 } } });
      expect(first.status).to.equal(201);
      expect(second.status).to.equal(200);
      expect(second.body).to.deep.equal({ ...first.body, existing: true });
      expect(await recordCount(t.runtime)).to.equal(1);
      expect(await backendCount(t.runtime)).to.equal(1);
    });

    it('5 concurrent requests with one idempotencyKey make one job', async () => {
      const body = { type: 'echo', options: { idempotencyKey: 'concurrent-1' } };
      const replies = await Promise.all(Array.from({ length: 5 }, () => t.call('POST', '/api/jobs', { body })));
      expect(new Set(replies.map((r) => r.body.id)).size).to.equal(1);
      expect(replies.filter((r) => r.status === 201)).to.have.length(1);
      expect(replies.filter((r) => r.status === 200 && r.body.existing === true)).to.have.length(4);
      expect(await recordCount(t.runtime)).to.equal(1);
      expect(await backendCount(t.runtime)).to.equal(1);
    });
  });
});
