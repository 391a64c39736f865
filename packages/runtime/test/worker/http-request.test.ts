import { expect } from 'chai';
import { startHttpServer, waitFor, type TestHttpServer } from '@nself-jobs/test-helpers';
import type { Runtime } from '../../src/runtime.js';
import { failureRows, jobRow, startTestRuntime } from '../support/test-runtime.js';

/**
 * The built-in http-request processor, discovered like any other processor package and run by
 * real workers against a real HTTP server on 127.0.0.1. Backoff starts at JOBS_RETRY_DELAY=100.
 */
describe('http-request processor run by real workers (real Redis, PostgreSQL and HTTP)', () => {
  let runtime: Runtime;
  let server: TestHttpServer | undefined;
  /** When each request reached the server (ms), in order. */
  let arrivals: number[];

  before(async () => {
    runtime = await startTestRuntime({ JOBS_RETRY_DELAY: '100' });
    await runtime.startWorkers({ queues: ['default'], concurrency: 2 });
  });
  after(() => runtime?.close(1000));

  beforeEach(() => {
    arrivals = [];
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A server answering the statuses in turn (the last one repeats), with a JSON body. */
  async function serve(statuses: number[], body: (n: number) => unknown = (n) => ({ n })) {
    server = await startHttpServer((_req, res, count) => {
      arrivals.push(Date.now());
      res.statusCode = statuses[Math.min(count, statuses.length) - 1];
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-request-id', `req-${count}`);
      res.end(JSON.stringify(body(count)));
    });
    return server;
  }

  const finished = (id: string) => waitFor(async () => {
    const row = await jobRow(runtime.pool, id);
    return row && ['completed', 'failed'].includes(row.status) ? row : undefined;
  }, `job ${id} to finish`);

  it('is installed as a built-in type', () => {
    expect(runtime.registry.types()).to.include('http-request');
  });

  it('retries 500, 500, then completes on attempt 3 with status 200 and the parsed JSON body', async () => {
    const { url, requests } = await serve([500, 500, 200], (n) => (n < 3 ? { error: 'boom' } : { ok: true, n }));
    const job = await runtime.producer.enqueue({ type: 'http-request', payload: { url: `${url}/hook?x=1`, method: 'POST', body: { hello: 'world' } } });
    const row = await finished(job.id);

    expect(row.status).to.equal('completed');
    expect(row.attempts_made).to.equal(3);
    expect(row.max_attempts).to.equal(3); // JOBS_RETRY_ATTEMPTS default
    expect(requests).to.have.length(3);
    for (const request of requests) {
      expect(request).to.include({ method: 'POST', url: '/hook?x=1' });
      expect(JSON.parse(request.body)).to.deep.equal({ hello: 'world' });
      expect(request.headers['content-type']).to.equal('application/json');
    }
    const result = row.result as { status: number; statusText: string; body: unknown; headers: Record<string, string>; bodyTruncated: boolean };
    expect(result.status).to.equal(200);
    expect(result.statusText).to.equal('OK');
    expect(result.body).to.deep.equal({ ok: true, n: 3 });
    expect(result.bodyTruncated).to.equal(false);
    expect(result.headers).to.include({ 'content-type': 'application/json', 'x-request-id': 'req-3' });

    const failures = await failureRows(runtime.pool, job.id);
    expect(failures.map((f) => f.attempt_number)).to.deep.equal([1, 2]);
    expect(failures[0].error_message).to.match(/^HTTP 500 Internal Server Error from POST http:\/\/127\.0\.0\.1:\d+\/hook/);
    // The query string may hold secrets: it stays out of the message.
    expect(failures[0].error_message).to.not.contain('x=1');
  });

  it('backs off exponentially from JOBS_RETRY_DELAY (100 ms, then 200 ms)', async () => {
    await serve([503, 503, 200]);
    const job = await runtime.producer.enqueue({ type: 'http-request', payload: { url: `${server!.url}/backoff` } });
    const row = await finished(job.id);
    expect(row.status).to.equal('completed');
    expect(arrivals).to.have.length(3);
    const [first, second] = [arrivals[1] - arrivals[0], arrivals[2] - arrivals[1]];
    expect(first, 'gap before attempt 2').to.be.at.least(95);
    expect(second, 'gap before attempt 3').to.be.at.least(195);
    // Exponential, not the 5 s default nor a fixed delay.
    expect(first, 'gap before attempt 2').to.be.below(1000);
    expect(second, 'gap before attempt 3').to.be.below(1500);
    expect(second).to.be.greaterThan(first);
  });

  it('fails a 404 after exactly one attempt: one request reached the server', async () => {
    const { url, requests } = await serve([404], () => ({ error: 'no such thing' }));
    const job = await runtime.producer.enqueue({ type: 'http-request', payload: { url: `${url}/missing` } });
    const row = await finished(job.id);
    expect(row.status).to.equal('failed');
    expect(row.attempts_made).to.equal(1);
    expect(row.last_error).to.match(/^HTTP 404 Not Found from GET http:\/\/127\.0\.0\.1:\d+\/missing: .*no such thing/);
    const failures = await failureRows(runtime.pool, job.id);
    expect(failures).to.have.length(1);
    expect(failures[0].error_code).to.equal('JOB_PERMANENT_FAILURE');
    // Give a wrongly scheduled retry time to arrive (backoff is 100 ms).
    await new Promise((r) => setTimeout(r, 400));
    expect(requests).to.have.length(1);
  });

  it('fails a 409 at once without retryOn', async () => {
    const { url, requests } = await serve([409, 200]);
    const job = await runtime.producer.enqueue({ type: 'http-request', payload: { url: `${url}/conflict` } });
    const row = await finished(job.id);
    expect(row.status).to.equal('failed');
    await new Promise((r) => setTimeout(r, 300));
    expect(requests).to.have.length(1);
  });

  it('retries a status listed in retryOn ([409]), then completes', async () => {
    const { url, requests } = await serve([409, 409, 201], (n) => ({ n }));
    const job = await runtime.producer.enqueue({ type: 'http-request', payload: { url: `${url}/conflict`, method: 'PUT', body: 'x', retryOn: [409] } });
    const row = await finished(job.id);
    expect(row.status).to.equal('completed');
    expect(requests).to.have.length(3);
    expect((row.result as { status: number; body: unknown }).status).to.equal(201);
    expect((row.result as { body: unknown }).body).to.deep.equal({ n: 3 });
    const failures = await failureRows(runtime.pool, job.id);
    expect(failures.map((f) => f.error_message)).to.have.length(2);
    expect(failures[0].error_message).to.match(/^HTTP 409 Conflict from PUT /);
  });

  it('fails a job whose retryOn status keeps coming once its attempts are used up', async () => {
    const { url, requests } = await serve([409]);
    const job = await runtime.producer.enqueue({ type: 'http-request', payload: { url, retryOn: [409] }, options: { maxRetries: 1 } });
    const row = await finished(job.id);
    expect(row.status).to.equal('failed');
    expect(row.max_attempts).to.equal(2);
    expect(requests).to.have.length(2);
    expect(await failureRows(runtime.pool, job.id)).to.have.length(2);
  });

  it('refuses http://169.254.169.254/ (cloud metadata) permanently, without retry', async () => {
    const job = await runtime.producer.enqueue({ type: 'http-request', payload: { url: 'http://169.254.169.254/latest/meta-data/' } });
    const row = await finished(job.id);
    expect(row.status).to.equal('failed');
    expect(row.attempts_made).to.equal(1);
    expect(row.max_attempts).to.equal(3);
    expect(row.last_error).to.match(/refusing to connect to link-local \/ cloud-metadata address 169\.254\.169\.254/);
    expect(row.last_error).to.contain('JOBS_HTTP_ALLOW_LINK_LOCAL');
    // Still one failure once a retry would have come (backoff is 100 ms).
    await new Promise((r) => setTimeout(r, 400));
    const failures = await failureRows(runtime.pool, job.id);
    expect(failures).to.have.length(1);
    expect(failures[0].error_code).to.equal('JOB_PERMANENT_FAILURE');
  });

  it('retries a connection refused (network error) with backoff, then fails after the last attempt', async () => {
    // A port nothing listens on: start a server, note its port, close it.
    const closed = await startHttpServer((_req, res) => { res.end(); });
    await closed.close();
    const job = await runtime.producer.enqueue({ type: 'http-request', payload: { url: `${closed.url}/gone` }, options: { maxRetries: 1 } });
    const row = await finished(job.id);
    expect(row.status).to.equal('failed');
    const failures = await failureRows(runtime.pool, job.id);
    expect(failures).to.have.length(2);
    expect(failures[0].error_code).to.equal('HTTP_NETWORK_ERROR');
    expect(failures[0].error_message).to.match(/HTTP request failed \(ECONNREFUSED\)/);
  });

  it('fails an attempt at the payload timeout and retries it', async () => {
    let calls = 0;
    server = await startHttpServer(async (_req, res) => {
      calls += 1;
      if (calls === 1) await new Promise((r) => setTimeout(r, 1000));
      res.setHeader('content-type', 'text/plain');
      res.end('late but fine');
    });
    const job = await runtime.producer.enqueue({ type: 'http-request', payload: { url: server.url, timeout: 150 } });
    const row = await finished(job.id);
    expect(row.status).to.equal('completed');
    expect((row.result as { body: unknown }).body).to.equal('late but fine');
    const failures = await failureRows(runtime.pool, job.id);
    expect(failures).to.have.length(1);
    expect(failures[0].error_message).to.match(/HTTP request timed out after 150 ms: GET http:\/\/127\.0\.0\.1:\d+\//);
  });

  it('records the result of an http-request job added straight to BullMQ (the original plugin\'s example)', async () => {
    const { url } = await serve([200]);
    const added = await runtime.queue('default').add('http-request', { url: `${url}/direct`, method: 'POST', body: { a: 1 } });
    const row = await finished(String(added.id));
    expect(row.status).to.equal('completed');
    expect(row.type).to.equal('http-request');
    expect((row.result as { status: number }).status).to.equal(200);
    expect(server!.requests[0]).to.include({ method: 'POST', url: '/direct' });
  });
});
