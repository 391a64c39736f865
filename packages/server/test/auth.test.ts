import { expect } from 'chai';
import { isLoopbackHost, startServer } from '../src/index.js';
import { backendCount, recordCount, request, startTestRuntime, startTestServer, type TestServer } from './support.js';

const KEY = 's3cret-key';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('server: JOBS_API_KEY', () => {
  describe('with a key', () => {
    let t: TestServer;
    before(async () => { t = await startTestServer({ JOBS_API_KEY: KEY }); });
    after(() => t?.close());

    it('every /api route answers 401 JSON with a Bearer challenge without it, and writes nothing', async () => {
      for (const [method, path, body] of [
        ['POST', '/api/jobs', { type: 'echo' }], ['POST', '/api/jobs/bulk', { jobs: [{ type: 'echo' }] }],
        ['GET', '/api/jobs', undefined], ['GET', '/api/jobs/00000000-0000-4000-8000-000000000001', undefined],
        ['GET', '/api/stats', undefined], ['GET', '/api/anything', undefined],
      ] as const) {
        const reply = await t.call(method, path, { body });
        expect(reply.status, `${method} ${path}`).to.equal(401);
        expect(reply.body.error.code).to.equal('UNAUTHORIZED');
        expect(reply.headers.get('www-authenticate')).to.equal('Bearer realm="nself-jobs"');
      }
      expect(await recordCount(t.runtime)).to.equal(0);
      expect(await backendCount(t.runtime)).to.equal(0);
    });

    it('refuses a wrong key, a key with a different length, and a malformed header', async () => {
      for (const authorization of [`Bearer ${KEY}x`, 'Bearer s3cret-kez', 'Bearer ', KEY, `Token ${KEY}`, basic(KEY, 'nope'), 'Basic !!!']) {
        const reply = await t.call('GET', '/api/jobs', { headers: { authorization } });
        expect(reply.status, authorization).to.equal(401);
      }
    });

    it('accepts Authorization: Bearer <key> (and basic with the key as password)', async () => {
      const created = await t.call('POST', '/api/jobs', { body: { type: 'echo' }, headers: { authorization: `Bearer ${KEY}` } });
      expect(created.status).to.equal(201);
      const read = await t.call('GET', `/api/jobs/${created.body.id}`, { headers: { authorization: basic('anyone', KEY) } });
      expect(read.status).to.equal(200);
    });

    it('the dashboard asks a browser for the key with a Basic challenge, and accepts it from any user name', async () => {
      for (const path of ['/dashboard', '/dashboard/', '/dashboard/api/queues', '/dashboard/static/favicon-32x32.png']) {
        const denied = await t.call('GET', path);
        expect(denied.status, path).to.equal(401);
        expect(denied.headers.get('www-authenticate'), path).to.equal('Basic realm="nself-jobs", charset="UTF-8"');
        const allowed = await t.call('GET', path, { headers: { authorization: basic('admin', KEY) } });
        expect(allowed.status, path).to.equal(200);
      }
      const bearer = await t.call('GET', '/dashboard/api/queues', { headers: { authorization: `Bearer ${KEY}` } });
      expect(bearer.status).to.equal(200);
    });

    it('/health and /ready stay open', async () => {
      expect((await t.call('GET', '/health')).status).to.equal(200);
      const ready = await t.call('GET', '/ready');
      expect(ready.status).to.equal(200);
      expect(ready.text).to.not.contain(KEY);
    });

    it('binds a non-loopback address when a key is set', async () => {
      const server = await startServer(t.runtime, { host: '0.0.0.0', port: 0 });
      try {
        expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect((await request(server.url, 'GET', '/health')).status).to.equal(200);
        expect((await request(server.url, 'GET', '/api/jobs')).status).to.equal(401);
      } finally {
        await server.close();
      }
    });

    it('/ready tells only a caller with the key why a check failed', async () => {
      await t.runtime.backend.close();
      const anonymous = await t.call('GET', '/ready');
      expect(anonymous.status).to.equal(503);
      expect(anonymous.body.checks.backend).to.deep.equal({ status: 'fail', reason: 'backend did not answer (details in the server log)' });
      const operator = await t.call('GET', '/ready', { headers: { authorization: `Bearer ${KEY}` } });
      expect(operator.body.checks.backend.reason).to.contain('Redis');
    });
  });

  describe('without a key', () => {
    let t: TestServer;
    before(async () => { t = await startTestServer(); });
    after(() => t?.close());

    it('the API and the dashboard are open', async () => {
      expect((await t.call('GET', '/api/jobs')).status).to.equal(200);
      expect((await t.call('GET', '/dashboard')).status).to.equal(200);
      expect((await t.call('GET', '/dashboard/api/queues')).status).to.equal(200);
    });

    it('refuses to bind a non-loopback address unless told it is intended', async () => {
      for (const host of ['0.0.0.0', '::', '10.1.2.3', 'example.internal']) {
        let error: Error | undefined;
        await startServer(t.runtime, { host, port: 0 }).then((s) => s.close(), (e: Error) => { error = e; });
        expect(error?.message, host).to.match(/refusing to listen on .* without an API key/).and.contain('JOBS_API_KEY');
      }
      const server = await startServer(t.runtime, { host: '0.0.0.0', port: 0, allowPublicWithoutKey: true });
      try {
        expect((await request(server.url, 'GET', '/health')).status).to.equal(200);
      } finally {
        await server.close();
      }
    });

    it('binds loopback addresses: 127.0.0.1, localhost, ::1', async () => {
      for (const host of ['127.0.0.1', 'localhost', '::1']) {
        const server = await startServer(t.runtime, { host, port: 0 });
        try {
          expect(server.url).to.not.match(/:0$/);
          expect(server.dashboardUrl).to.equal(`${server.url}/dashboard`);
          expect(server.apiUrl).to.equal(`${server.url}/api`);
          expect((await request(server.url, 'GET', '/health')).status, host).to.equal(200);
        } finally {
          await server.close();
        }
      }
    });

    it('a port in use is a clear error', async () => {
      const first = await startServer(t.runtime, { port: 0 });
      try {
        const port = Number(new URL(first.url).port);
        let error: Error | undefined;
        await startServer(t.runtime, { port }).then((s) => s.close(), (e: Error) => { error = e; });
        expect(error?.message).to.contain(`port ${port}`).and.contain('already in use');
      } finally {
        await first.close();
      }
    });
  });

  it('isLoopbackHost', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).to.equal(true);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.2', '128.0.0.1', 'example.com', '::2', '']) {
      expect(isLoopbackHost(host), host).to.equal(false);
    }
  });

  it('dashboardUrl is undefined when the dashboard is disabled', async () => {
    const runtime = await startTestRuntime({ JOBS_DASHBOARD_ENABLED: 'false' });
    const server = await startServer(runtime, { port: 0 });
    try {
      expect(server.dashboardUrl).to.equal(undefined);
      expect((await request(server.url, 'GET', '/dashboard')).status).to.equal(404);
    } finally {
      await server.close();
      await runtime.close();
    }
  });
});
