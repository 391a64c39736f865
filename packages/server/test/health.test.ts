import { expect } from 'chai';
import sinon from 'sinon';
import { request, startTestServer, type TestServer } from './support.js';
import { createApp } from '../src/index.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

describe('server: /health, /ready, and errors when a store is down', () => {
  describe('with everything up', () => {
    let t: TestServer;
    before(async () => { t = await startTestServer(); });
    after(() => t?.close());

    it('GET /health is 200 {"status":"ok"}', async () => {
      const reply = await t.call('GET', '/health');
      expect(reply.status).to.equal(200);
      expect(reply.body).to.deep.equal({ status: 'ok' });
    });

    it('GET /ready is 200 with every check ok', async () => {
      const reply = await t.call('GET', '/ready');
      expect(reply.status).to.equal(200);
      expect(reply.body).to.deep.equal({ status: 'ready', checks: { backend: { status: 'ok' }, database: { status: 'ok' }, migrations: { status: 'ok' } } });
    });

    it('an unexpected error is a 500 "internal error": logged, no message or stack for the client', async () => {
      const boom = new TypeError('secret detail at /srv/app.js');
      const stub = sinon.stub(t.runtime.producer, 'enqueue').rejects(boom);
      const logged = sinon.spy(t.runtime.log, 'error');
      try {
        const reply = await t.call('POST', '/api/jobs', { body: { type: 'echo' } });
        expect(reply.status).to.equal(500);
        expect(reply.body).to.deep.equal({ error: { code: 'INTERNAL', message: 'internal error', details: null } });
        expect(reply.text).to.not.contain('secret');
        expect(logged.calledWithMatch({ err: boom })).to.equal(true);
      } finally {
        stub.restore();
        logged.restore();
      }
    });

    it('unknown routes and methods answer JSON errors', async () => {
      const missing = await t.call('GET', '/api/nothing');
      expect(missing.status).to.equal(404);
      expect(missing.body.error.code).to.equal('NOT_FOUND');
      const method = await t.call('DELETE', '/api/jobs');
      expect(method.status).to.equal(405);
      expect(method.body.error.code).to.equal('METHOD_NOT_ALLOWED');
    });

    it('createApp takes its body limit and dashboard from options (and does not listen)', async () => {
      const app = createApp(t.runtime, { bodyLimit: 100, dashboard: { enabled: false, path: '/dashboard' } });
      const server = http.createServer(app.callback()).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const big = await request(url, 'POST', '/api/jobs', { body: { type: 'echo', payload: { s: 'x'.repeat(200) } } });
        expect(big.status).to.equal(413);
        expect(big.body.error.details).to.deep.equal({ limit: 100 });
        expect((await request(url, 'GET', '/dashboard')).status).to.equal(404);
      } finally {
        await new Promise((r) => server.close(r));
      }
    });
  });

  describe('with record migrations pending (fresh database, migrate: false)', () => {
    let t: TestServer;
    before(async () => { t = await startTestServer({}, { runtime: { migrate: false } }); });
    after(() => t?.close());

    it('GET /ready is 503 naming the pending migrations; /health stays 200', async () => {
      const reply = await t.call('GET', '/ready');
      expect(reply.status).to.equal(503);
      expect(reply.body.status).to.equal('not ready');
      expect(reply.body.checks.backend).to.deep.equal({ status: 'ok' });
      expect(reply.body.checks.database).to.deep.equal({ status: 'ok' });
      expect(reply.body.checks.migrations.status).to.equal('fail');
      expect(reply.body.checks.migrations.reason).to.contain('0001-record-tables');
      expect((await t.call('GET', '/health')).status).to.equal(200);
    });
  });

  describe('with the database unreachable (pool ended)', () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer();
      await t.runtime.pool.end();
    });
    after(async () => {
      await t.server.close();
      await t.runtime.close().catch(() => { /* the pool was ended on purpose */ });
    });

    it('GET /ready is 503 with the database check failing', async () => {
      const reply = await t.call('GET', '/ready');
      expect(reply.status).to.equal(503);
      expect(reply.body.checks.backend).to.deep.equal({ status: 'ok' });
      expect(reply.body.checks.database.status).to.equal('fail');
      expect(reply.body.checks.database.reason).to.be.a('string').and.not.empty;
      expect(reply.body.checks.migrations.status).to.equal('fail');
    });

    it('reads and writes answer 503 DATABASE_UNAVAILABLE', async () => {
      for (const [method, path, body] of [
        ['GET', '/api/jobs/00000000-0000-4000-8000-000000000001', undefined],
        ['GET', '/api/jobs', undefined],
        ['POST', '/api/jobs', { type: 'echo' }],
      ] as const) {
        const reply = await t.call(method, path, { body });
        expect(reply.status, `${method} ${path}: ${reply.text}`).to.equal(503);
        expect(reply.body.error.code).to.equal('DATABASE_UNAVAILABLE');
      }
    });
  });

  describe('with the queue backend unreachable (connection closed)', () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer();
      await t.runtime.backend.close();
    });
    after(() => t?.close());

    it('GET /ready is 503 with the backend check failing, and /api/stats is 503 BACKEND_UNAVAILABLE', async () => {
      const ready = await t.call('GET', '/ready');
      expect(ready.status).to.equal(503);
      expect(ready.body.checks.backend.status).to.equal('fail');
      expect(ready.body.checks.database).to.deep.equal({ status: 'ok' });
      const stats = await t.call('GET', '/api/stats');
      expect(stats.status, stats.text).to.equal(503);
      expect(stats.body.error.code).to.equal('BACKEND_UNAVAILABLE');
    });

    it('POST /api/jobs is 503 and leaves no row behind', async () => {
      const reply = await t.call('POST', '/api/jobs', { body: { type: 'echo' } });
      expect(reply.status, reply.text).to.equal(503);
      expect(reply.body.error.code).to.equal('BACKEND_UNAVAILABLE');
      const { rows } = await t.runtime.pool.query('SELECT count(*)::int AS n FROM jobs');
      expect(rows[0].n).to.equal(0);
    });
  });
});
