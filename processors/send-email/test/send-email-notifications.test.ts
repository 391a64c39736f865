import { expect } from 'chai';
import { isJobTimeoutError, isPermanentJobError, isRetryLaterError, JobTimeoutError } from '@nself-jobs/sdk';
import { freePort, startHttpServer, type TestHttpServer } from '@nself-jobs/test-helpers';
import processor from '../src/index.js';
import { EmailSender } from '../src/email-sender.js';
import { settingsFromEnv } from '../src/settings.js';
import { JOB_ID, jobContext, recordingLog, rejection, runJob } from './job-context.js';
import { startSmtpServer, type TestSmtpServer } from './smtp-test-server.js';

const PDF_BASE64 = 'JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK';

function json(res: import('node:http').ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

describe('send-email through the notifications service (against a real HTTP server)', () => {
  let service: TestHttpServer | undefined;
  let smtp: TestSmtpServer | undefined;
  afterEach(async () => {
    await processor.teardown?.();
    await service?.close();
    await smtp?.close();
    service = undefined;
    smtp = undefined;
  });

  const simple = { to: 'ada@example.com', from: 'a@acme.example', subject: 'Hi', body: 'Hello' };

  it('POSTs the whole message, cc, bcc and attachments included, to ${NOTIFICATIONS_API_URL}/send', async () => {
    service = await startHttpServer((_req, res) => json(res, 202, { messageId: 'ntf_123', accepted: ['ada@example.com', 'bob@example.com', 'carol@example.org', 'hidden@example.net'] }));
    const result = await runJob({
      to: ['Ada Lovelace <ada@example.com>', 'bob@example.com'],
      cc: '"Doe, Carol" <carol@example.org>',
      bcc: ['hidden@example.net'],
      from: 'Acme <billing@acme.example>',
      replyTo: 'support@acme.example',
      subject: 'Invoice',
      body: 'Text',
      html: '<p>Html</p>',
      headers: { 'X-Campaign': 'spring' },
      attachments: [
        { filename: 'invoice.pdf', content: PDF_BASE64, encoding: 'base64', contentType: 'application/pdf' },
        { filename: 'notes.txt', content: 'Paid.\n' },
      ],
    }, { env: { NOTIFICATIONS_API_URL: `${service.url}/api/notify/`, NOTIFICATIONS_API_KEY: 'k3y' } });

    expect(service.requests).to.have.lengthOf(1);
    const request = service.requests[0]!;
    expect(request.method).to.equal('POST');
    expect(request.url).to.equal('/api/notify/send');
    expect(request.headers).to.include({
      authorization: 'Bearer k3y', 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': JOB_ID,
    });
    expect(request.headers['user-agent']).to.match(/^nself-jobs-send-email\/\d+\.\d+\.\d+/);
    expect(JSON.parse(request.body)).to.deep.equal({
      to: ['Ada Lovelace <ada@example.com>', 'bob@example.com'],
      cc: ['"Doe, Carol" <carol@example.org>'],
      bcc: ['hidden@example.net'],
      from: 'Acme <billing@acme.example>',
      replyTo: 'support@acme.example',
      subject: 'Invoice',
      text: 'Text',
      html: '<p>Html</p>',
      headers: { 'X-Campaign': 'spring' },
      attachments: [
        { filename: 'invoice.pdf', content: PDF_BASE64, encoding: 'base64', contentType: 'application/pdf' },
        { filename: 'notes.txt', content: 'Paid.\n', encoding: 'utf8' },
      ],
    });
    expect(result).to.deep.equal({
      messageId: 'ntf_123',
      accepted: ['ada@example.com', 'bob@example.com', 'carol@example.org', 'hidden@example.net'],
      rejected: [],
      transport: 'notifications',
      response: { messageId: 'ntf_123', accepted: ['ada@example.com', 'bob@example.com', 'carol@example.org', 'hidden@example.net'] },
    });
  });

  it('takes precedence over SMTP_HOST, sends no Authorization without a key, and counts every recipient accepted by default', async () => {
    service = await startHttpServer((_req, res) => { res.writeHead(200); res.end(); });
    smtp = await startSmtpServer();
    const result = await runJob({ ...simple, cc: 'c@example.com' }, { env: { ...smtp.env(), NOTIFICATIONS_API_URL: service.url } });
    expect(service.requests[0]!.url).to.equal('/send');
    expect(service.requests[0]!.headers.authorization).to.equal(undefined);
    expect(smtp.connections.opened).to.equal(0);
    expect(result).to.deep.equal({ messageId: null, accepted: ['ada@example.com', 'c@example.com'], rejected: [], transport: 'notifications', response: null });
  });

  it('sends SMTP_FROM as the sender when the payload has none, and no from at all when neither is set', async () => {
    service = await startHttpServer((_req, res) => json(res, 200, { id: 7 }));
    const { from: _from, ...noFrom } = simple;
    const withDefault = await runJob(noFrom, { env: { NOTIFICATIONS_API_URL: service.url, SMTP_FROM: 'Robot <robot@acme.example>' } });
    expect(JSON.parse(service.requests[0]!.body).from).to.equal('Robot <robot@acme.example>');
    expect(withDefault.messageId).to.equal('7');
    await runJob(noFrom, { env: { NOTIFICATIONS_API_URL: service.url } });
    expect(JSON.parse(service.requests[1]!.body)).to.not.have.property('from');
  });

  it('retries a 500, a 503 (honouring Retry-After) and a 429', async () => {
    const answers = [500, 503, 429];
    service = await startHttpServer((_req, res, count) => json(res, answers[count - 1]!, { error: 'busy' }, count === 2 ? { 'retry-after': '30' } : {}));
    const env = { NOTIFICATIONS_API_URL: service.url };
    const first = (await rejection(runJob(simple, { env }))).error;
    expect(isRetryLaterError(first)).to.equal(true);
    expect(first.message).to.equal(`notifications service POST ${service.url}/send answered HTTP 500: {"error":"busy"}; will retry`);
    const second = (await rejection(runJob(simple, { env }))).error;
    expect(isRetryLaterError(second)).to.equal(true);
    expect(second.retryAfterMs).to.equal(30_000);
    expect(isRetryLaterError((await rejection(runJob(simple, { env }))).error)).to.equal(true);
  });

  it('fails a 400 or 401 permanently, with what the service said', async () => {
    service = await startHttpServer((req, res) => json(res, req.headers.authorization ? 400 : 401, { error: req.headers.authorization ? 'subject too long' : 'no token' }));
    const bad = (await rejection(runJob(simple, { env: { NOTIFICATIONS_API_URL: service.url, NOTIFICATIONS_API_KEY: 'k' } }))).error;
    expect(isPermanentJobError(bad)).to.equal(true);
    expect(bad.message).to.equal(`notifications service POST ${service.url}/send refused the email with HTTP 400: {"error":"subject too long"}`);
    expect(bad.message).to.not.contain('Bearer');
    const unauthorized = (await rejection(runJob(simple, { env: { NOTIFICATIONS_API_URL: service.url } }))).error;
    expect(isPermanentJobError(unauthorized)).to.equal(true);
    expect(unauthorized.message).to.match(/HTTP 401: \{"error":"no token"\}$/);
  });

  describe('a 2xx answer that reports refused recipients', () => {
    const payload = { ...simple, to: ['ada@example.com', 'nobody@example.com'] };

    it('fails the job permanently when some were refused, naming them', async () => {
      service = await startHttpServer((_req, res) => json(res, 200, { messageId: 'm1', accepted: ['ada@example.com'], rejected: ['nobody@example.com'] }));
      const { error } = await rejection(runJob(payload, { env: { NOTIFICATIONS_API_URL: service.url } }));
      expect(isPermanentJobError(error)).to.equal(true);
      expect(error.reason).to.equal('EMAIL_PARTIALLY_REJECTED');
      expect(error.message).to.match(/accepted 1 of 2 recipients \(message m1\) and refused nobody@example\.com \(rejected by the service\); not retried/);
    });

    it('fails the job permanently when all were refused, with the reasons given', async () => {
      service = await startHttpServer((_req, res) => json(res, 200, { rejected: [{ address: 'ada@example.com', reason: 'suppressed' }, { email: 'nobody@example.com', error: 'bounced before' }] }));
      const { error } = await rejection(runJob(payload, { env: { NOTIFICATIONS_API_URL: service.url } }));
      expect(isPermanentJobError(error)).to.equal(true);
      expect(error.message).to.match(/refused every recipient: ada@example\.com \(suppressed\), nobody@example\.com \(bounced before\)$/);
    });

    it('succeeds with allowPartialDelivery, listing the refused ones', async () => {
      service = await startHttpServer((_req, res) => json(res, 200, { rejected: ['nobody@example.com'] }));
      const log = recordingLog();
      const result = await runJob({ ...payload, allowPartialDelivery: true }, { env: { NOTIFICATIONS_API_URL: service.url }, log });
      expect(result).to.deep.include({ accepted: ['ada@example.com'], rejected: ['nobody@example.com'] });
      expect(log.lines.some((l) => l.level === 'warn')).to.equal(true);
    });

    it('treats success: false as a permanent failure', async () => {
      service = await startHttpServer((_req, res) => json(res, 200, { success: false, error: 'provider refused' }));
      const { error } = await rejection(runJob(simple, { env: { NOTIFICATIONS_API_URL: service.url } }));
      expect(isPermanentJobError(error)).to.equal(true);
      expect(error.message).to.match(/success: false: \{"success":false,"error":"provider refused"\}$/);
    });
  });

  it('retries when the service cannot be reached', async () => {
    const port = await freePort();
    const { error } = await rejection(runJob(simple, { env: { NOTIFICATIONS_API_URL: `http://127.0.0.1:${port}` } }));
    expect(isRetryLaterError(error)).to.equal(true);
    expect(error.message).to.match(new RegExp(`^notifications service POST http://127\\.0\\.0\\.1:${port}/send could not be reached \\(ECONNREFUSED\\)`));
  });

  it('retries when the service does not answer in time, and passes a runtime abort through', async () => {
    service = await startHttpServer(() => { /* never answers */ });
    const settings = settingsFromEnv({ NOTIFICATIONS_API_URL: service.url });
    const sender = new EmailSender({ ...settings, notifications: { ...settings.notifications!, timeoutMs: 150 } });
    const { error, ms } = await rejection(sender.send(jobContext(simple)));
    expect(isRetryLaterError(error)).to.equal(true);
    expect(error.message).to.equal(`notifications service POST ${service.url}/send did not answer within 150 ms; will retry`);
    expect(ms).to.be.below(2000);

    const controller = new AbortController();
    setTimeout(() => controller.abort(new JobTimeoutError(100)), 100);
    const aborted = (await rejection(runJob(simple, { env: { NOTIFICATIONS_API_URL: service.url }, signal: controller.signal }))).error;
    expect(isJobTimeoutError(aborted)).to.equal(true);
  });

  it('checks addresses and headers on this route too, before any request', async () => {
    service = await startHttpServer((_req, res) => json(res, 200, {}));
    const env = { NOTIFICATIONS_API_URL: service.url, JOBS_EMAIL_ALLOWED_DOMAINS: 'example.com' };
    for (const payload of [
      { ...simple, to: '"ceo@example.com" <attacker@evil.example>' },
      { ...simple, bcc: 'spy@evil.example' },
      { ...simple, subject: 'x\r\nBcc: spy@evil.example' },
    ]) {
      expect(isPermanentJobError((await rejection(runJob(payload, { env }))).error), JSON.stringify(payload)).to.equal(true);
    }
    expect(service.requests).to.have.lengthOf(0);
  });

  it('fails permanently on a bad NOTIFICATIONS_API_URL instead of falling back to SMTP', async () => {
    smtp = await startSmtpServer();
    for (const [url, expected] of [
      ['ftp://notify.internal', /NOTIFICATIONS_API_URL must be an http:\/\/ or https:\/\/ URL/],
      ['not a url', /NOTIFICATIONS_API_URL is not a valid URL/],
      ['http://user:pw@notify.internal', /must not contain user:password/],
    ] as const) {
      const { error } = await rejection(runJob(simple, { env: { ...smtp.env(), NOTIFICATIONS_API_URL: url } }));
      expect(isPermanentJobError(error), url).to.equal(true);
      expect(error.message).to.match(expected);
    }
    expect(smtp.connections.opened).to.equal(0);
  });
});
