import { expect } from 'chai';
import { isPermanentJobError, isRetryLaterError, isJobTimeoutError, JobTimeoutError } from '@nself-jobs/sdk';
import { freePort, startHttpServer, type TestHttpServer } from '@nself-jobs/test-helpers';
import processor from '../src/index.js';
import { jobContext, rejection, runJob } from './job-context.js';

describe('http-request processor (against a real HTTP server)', () => {
  let server: TestHttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('declares the http-request type', () => {
    expect(processor.type).to.equal('http-request');
    expect(processor.setup).to.be.a('function');
  });

  it('GETs JSON and returns status, selected headers and the parsed body', async () => {
    server = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', etag: '"v1"', 'x-request-id': 'abc', 'x-noise': 'dropped' });
      res.end(JSON.stringify({ ok: true, items: [1, 2] }));
    });
    const result = await runJob({ url: `${server.url}/things?page=2` });
    expect(result.status).to.equal(200);
    expect(result.statusText).to.equal('OK');
    expect(result.body).to.deep.equal({ ok: true, items: [1, 2] });
    expect(result.bodyTruncated).to.equal(false);
    expect(result.headers).to.include({ 'content-type': 'application/json; charset=utf-8', etag: '"v1"', 'x-request-id': 'abc' });
    expect(result.headers).to.have.property('date');
    expect(result.headers).to.not.have.property('x-noise');
    expect(result.durationMs).to.be.a('number').and.at.least(0);
    expect(server.requests[0]).to.include({ method: 'GET', url: '/things?page=2' });
    expect(server.requests[0]!.headers['user-agent']).to.match(/^nself-jobs-http-request\/\d+\.\d+\.\d+/);
  });

  it('POSTs a JSON body with custom headers, as given', async () => {
    server = await startHttpServer((_req, res) => { res.writeHead(201); res.end(); });
    const result = await runJob({
      url: `${server.url}/hook`,
      method: 'POST',
      headers: { Authorization: 'Bearer s3cret', 'X-Custom': 'yes', 'User-Agent': 'my-app/2' },
      body: { hello: 'world', n: 1 },
    });
    expect(result.status).to.equal(201);
    expect(result.body).to.equal('');
    const received = server.requests[0]!;
    expect(received.method).to.equal('POST');
    expect(JSON.parse(received.body)).to.deep.equal({ hello: 'world', n: 1 });
    expect(received.headers).to.include({
      authorization: 'Bearer s3cret', 'x-custom': 'yes', 'user-agent': 'my-app/2', 'content-type': 'application/json',
    });
    expect(received.headers['content-length']).to.equal(String(Buffer.byteLength(received.body)));
  });

  it('sends a string body raw when a content-type is given, JSON-encoded otherwise', async () => {
    server = await startHttpServer((_req, res) => { res.end(); });
    await runJob({ url: server.url, method: 'PUT', headers: { 'Content-Type': 'text/csv' }, body: 'a,b\n1,2\n' });
    await runJob({ url: server.url, method: 'PUT', body: 'plain' });
    expect(server.requests[0]).to.include({ body: 'a,b\n1,2\n' });
    expect(server.requests[0]!.headers['content-type']).to.equal('text/csv');
    expect(server.requests[1]).to.include({ body: '"plain"' });
    expect(server.requests[1]!.headers['content-type']).to.equal('application/json');
  });

  it('returns a text body as a string, and a JSON-typed body that does not parse as text', async () => {
    server = await startHttpServer((req, res) => {
      res.setHeader('content-type', req.url === '/bad-json' ? 'application/json' : 'text/plain; charset=utf-8');
      res.end(req.url === '/bad-json' ? '{not json' : 'héllo wörld');
    });
    expect((await runJob({ url: `${server.url}/text` })).body).to.equal('héllo wörld');
    expect((await runJob({ url: `${server.url}/bad-json` })).body).to.equal('{not json');
  });

  it('stops reading at maxResponseBytes, marks the body truncated and does not parse the JSON', async () => {
    const big = JSON.stringify({ data: 'x'.repeat(50_000) });
    server = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(big);
    });
    const result = await runJob({ url: server.url, maxResponseBytes: 1000 });
    expect(result.bodyTruncated).to.equal(true);
    expect(result.body).to.be.a('string').with.lengthOf(1000);
    expect(big.startsWith(result.body as string)).to.equal(true);
  });

  it('makes a 500 retryable (RetryLaterError) with an informative message', async () => {
    server = await startHttpServer((_req, res) => { res.statusCode = 500; res.end('boom'); });
    const { error } = await rejection(runJob({ url: `${server.url}/jobs?token=abc`, method: 'POST', body: {} }));
    expect(isRetryLaterError(error)).to.equal(true);
    expect(error.message).to.equal(`HTTP 500 Internal Server Error from POST ${server.url}/jobs`);
    expect(error.retryAfterMs).to.equal(undefined);
  });

  it('honours Retry-After on a 503, in seconds and as an HTTP date, capped at an hour', async () => {
    const answers = ['7', new Date(Date.now() + 120_000).toUTCString(), '86400'];
    server = await startHttpServer((_req, res, count) => {
      res.writeHead(503, { 'retry-after': answers[count - 1]! });
      res.end();
    });
    const seconds = (await rejection(runJob({ url: server.url }))).error;
    expect(isRetryLaterError(seconds)).to.equal(true);
    expect(seconds.message).to.equal(`HTTP 503 Service Unavailable from GET ${server.url}/`);
    expect(seconds.retryAfterMs).to.equal(7000);
    const date = (await rejection(runJob({ url: server.url }))).error;
    expect(date.retryAfterMs).to.be.within(115_000, 120_000);
    const day = (await rejection(runJob({ url: server.url }))).error;
    expect(day.retryAfterMs).to.equal(3_600_000);
  });

  it('retries 429 and 408 too', async () => {
    server = await startHttpServer((req, res) => { res.statusCode = req.url === '/slow' ? 408 : 429; res.end(); });
    expect(isRetryLaterError((await rejection(runJob({ url: `${server.url}/slow` }))).error)).to.equal(true);
    expect(isRetryLaterError((await rejection(runJob({ url: `${server.url}/busy` }))).error)).to.equal(true);
  });

  it('fails a 404 permanently, with the body but no header values or query in the message', async () => {
    server = await startHttpServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'no such order', pad: 'y'.repeat(2000) }));
    });
    const { error } = await rejection(runJob({
      url: `${server.url}/orders/42?api_key=topsecret`, headers: { authorization: 'Bearer s3cret' },
    }));
    expect(isPermanentJobError(error)).to.equal(true);
    expect(isRetryLaterError(error)).to.equal(false);
    expect(error.message).to.match(new RegExp(`^HTTP 404 Not Found from GET ${server.url}/orders/42: \\{"error":"no such order"`));
    expect(error.message).to.not.match(/s3cret|topsecret/);
    expect(error.message.length).to.be.below(650);
    expect(error.status).to.equal(404);
  });

  it('makes a status listed in retryOn retryable', async () => {
    server = await startHttpServer((_req, res) => { res.statusCode = 409; res.end('conflict'); });
    expect(isPermanentJobError((await rejection(runJob({ url: server.url }))).error)).to.equal(true);
    const { error } = await rejection(runJob({ url: server.url, retryOn: [409] }));
    expect(isRetryLaterError(error)).to.equal(true);
    expect(error.message).to.equal(`HTTP 409 Conflict from GET ${server.url}/`);
  });

  it('treats a 302 as success, returns its Location and does not follow it', async () => {
    server = await startHttpServer((_req, res) => { res.writeHead(302, { location: '/elsewhere' }); res.end(); });
    const result = await runJob({ url: `${server.url}/start` });
    expect(result.status).to.equal(302);
    expect(result.statusText).to.equal('Found');
    expect(result.headers.location).to.equal('/elsewhere');
    expect(server.requests).to.have.lengthOf(1);
  });

  it('sends HEAD and returns an empty body', async () => {
    server = await startHttpServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': '99' }); res.end(); });
    const result = await runJob({ url: server.url, method: 'HEAD' });
    expect(result).to.include({ status: 200, body: '', bodyTruncated: false });
    expect(result.headers['content-length']).to.equal('99');
  });

  it('fails with a retryable timeout error, promptly, when the server never answers', async () => {
    server = await startHttpServer(() => { /* never answers */ });
    const { error, ms } = await rejection(runJob({ url: `${server.url}/hang`, timeout: 200 }));
    expect(error.message).to.equal(`HTTP request timed out after 200 ms: GET ${server.url}/hang`);
    expect(error.code).to.equal('HTTP_TIMEOUT');
    expect(isPermanentJobError(error)).to.equal(false);
    expect(ms).to.be.within(150, 1500);
  });

  it('times out a body that stops arriving mid-way', async () => {
    server = await startHttpServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.write('first part'); });
    const { error, ms } = await rejection(runJob({ url: server.url, timeout: 200 }));
    expect(error.message).to.match(/timed out after 200 ms/);
    expect(ms).to.be.below(1500);
  });

  it('stops when context.signal is aborted', async () => {
    server = await startHttpServer(() => { /* never answers */ });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { error, ms } = await rejection(runJob({ url: server.url }, { signal: controller.signal }));
    expect(error.message).to.equal(`HTTP request aborted: GET ${server.url}/`);
    expect(ms).to.be.below(1500);
  });

  it("passes the runtime's abort reason through unchanged", async () => {
    server = await startHttpServer(() => { /* never answers */ });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new JobTimeoutError(100)), 100);
    const { error } = await rejection(runJob({ url: server.url }, { signal: controller.signal }));
    expect(isJobTimeoutError(error)).to.equal(true);
  });

  it('does not even connect when context.signal is already aborted', async () => {
    server = await startHttpServer((_req, res) => { res.end(); });
    const controller = new AbortController();
    controller.abort();
    const { url } = server;
    const { error } = await rejection(Promise.resolve().then(() => processor.process(jobContext({ url }, controller.signal))));
    expect(error.message).to.equal(`HTTP request aborted: GET ${url}/`);
    expect(server.requests).to.have.lengthOf(0);
  });

  it('fails permanently on a header node refuses to send, without echoing its value', async () => {
    server = await startHttpServer((_req, res) => { res.end(); });
    const { error } = await rejection(runJob({ url: server.url, headers: { 'x-token': 'abc\r\nInjected: s3cret' } }));
    expect(isPermanentJobError(error)).to.equal(true);
    expect(error.message).to.contain('x-token');
    expect(error.message).to.not.contain('s3cret');
    expect(server.requests).to.have.lengthOf(0);
  });

  it('turns a refused connection into a retryable error naming ECONNREFUSED', async () => {
    const port = await freePort();
    const { error } = await rejection(runJob({ url: `http://127.0.0.1:${port}/x` }));
    expect(isPermanentJobError(error)).to.equal(false);
    expect(isRetryLaterError(error)).to.equal(false);
    expect(error.message).to.match(new RegExp(`^HTTP request failed \\(ECONNREFUSED\\): GET http://127.0.0.1:${port}/x`));
    expect(error.code).to.equal('HTTP_NETWORK_ERROR');
  });

  it('turns a DNS failure into a retryable error naming the code', async () => {
    const { error } = await rejection(runJob({ url: 'http://does-not-exist.invalid/' }));
    expect(isPermanentJobError(error)).to.equal(false);
    expect(error.message).to.match(/^HTTP request failed \((ENOTFOUND|EAI_AGAIN)\)/);
  });
});
