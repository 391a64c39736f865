import { expect } from 'chai';
import net from 'node:net';
import { isJobTimeoutError, isPermanentJobError, isRetryLaterError, JobTimeoutError } from '@nself-jobs/sdk';
import { freePort, waitFor } from '@nself-jobs/test-helpers';
import processor from '../src/index.js';
import { EmailSender } from '../src/email-sender.js';
import { settingsFromEnv } from '../src/settings.js';
import { JOB_ID, jobContext, recordingLog, rejection, runJob } from './job-context.js';
import { attachmentPart } from './mime-parts.js';
import { headersOf, startSmtpServer, type TestSmtpServer } from './smtp-test-server.js';

const PDF_BASE64 = 'JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK';

describe('send-email over SMTP (against a real SMTP server)', () => {
  let server: TestSmtpServer | undefined;
  afterEach(async () => {
    await processor.teardown?.();
    await server?.close();
    server = undefined;
  });

  it('declares the send-email type with setup and teardown', () => {
    expect(processor.type).to.equal('send-email');
    expect(processor.setup).to.be.a('function');
    expect(processor.teardown).to.be.a('function');
  });

  it('delivers text and html to to, cc and bcc; bcc is in the envelope but in no header', async () => {
    server = await startSmtpServer();
    const result = await runJob({
      to: ['Ada Lovelace <ada@example.com>', 'bob@example.com'],
      cc: 'Carol <carol@example.org>',
      bcc: ['hidden@example.net'],
      from: 'Acme Billing <billing@acme.example>',
      replyTo: 'support@acme.example',
      subject: 'Your invoice, März',
      body: 'Plain text body',
      html: '<p>HTML <b>body</b></p>',
    }, { env: server.env() });

    expect(result).to.deep.include({
      transport: 'smtp',
      accepted: ['ada@example.com', 'bob@example.com', 'carol@example.org', 'hidden@example.net'],
      rejected: [],
      messageId: `<${JOB_ID}@acme.example>`,
    });
    expect(result.response).to.match(/^250 /);

    expect(server.messages).to.have.lengthOf(1);
    const [message] = server.messages;
    expect(message!.from).to.equal('billing@acme.example');
    expect(message!.to).to.deep.equal(['ada@example.com', 'bob@example.com', 'carol@example.org', 'hidden@example.net']);
    const headers = headersOf(message!.raw);
    expect(headers.get('from')).to.equal('Acme Billing <billing@acme.example>');
    expect(headers.get('to')).to.equal('Ada Lovelace <ada@example.com>, bob@example.com');
    expect(headers.get('cc')).to.equal('Carol <carol@example.org>');
    expect(headers.get('reply-to')).to.equal('support@acme.example');
    expect(headers.get('message-id')).to.equal(`<${JOB_ID}@acme.example>`);
    expect(headers.get('subject')).to.equal('=?UTF-8?Q?Your_invoice=2C_M=C3=A4rz?=');
    expect(headers.has('bcc')).to.equal(false);
    expect(message!.raw).to.not.contain('hidden@example.net');
    expect(message!.raw).to.contain('Plain text body');
    expect(message!.raw).to.contain('<p>HTML <b>body</b></p>');
    expect(message!.raw).to.match(/multipart\/alternative/i);
  });

  it('delivers base64 and utf8 attachments intact', async () => {
    server = await startSmtpServer();
    const notes = 'Paid with thanks.\nÜberweisung erhalten — 42 €\n';
    await runJob({
      to: 'ada@example.com',
      from: 'billing@acme.example',
      subject: 'Attachments',
      body: 'See attached.',
      attachments: [
        { filename: 'invoice.pdf', content: PDF_BASE64, encoding: 'base64', contentType: 'application/pdf' },
        { filename: 'notes.txt', content: notes, contentType: 'text/plain; charset=utf-8' },
        { filename: 'data.csv', content: 'a,b\n1,2\n' },
        // base64 pasted with line breaks, as editors wrap it
        { filename: 'wrapped.bin', content: `${PDF_BASE64.slice(0, 40)}\n${PDF_BASE64.slice(40)}`, encoding: 'base64' },
      ],
    }, { env: server.env() });

    const raw = server.messages[0]!.raw;
    expect(raw).to.match(/multipart\/mixed/i);
    const pdf = attachmentPart(raw, 'invoice.pdf');
    expect(pdf, 'invoice.pdf part').to.not.equal(undefined);
    expect(pdf!.headers).to.match(/content-type: application\/pdf/i);
    expect(pdf!.headers).to.match(/content-disposition: attachment/i);
    expect(pdf!.content.equals(Buffer.from(PDF_BASE64, 'base64'))).to.equal(true);
    expect(raw.replace(/\r\n/g, '')).to.contain(PDF_BASE64);

    const text = attachmentPart(raw, 'notes.txt');
    expect(text!.headers).to.match(/content-type: text\/plain; charset=utf-8/i);
    expect(text!.content.toString('utf8')).to.equal(notes);
    expect(attachmentPart(raw, 'data.csv')!.content.toString('utf8')).to.equal('a,b\n1,2\n');
    expect(attachmentPart(raw, 'data.csv')!.headers).to.match(/content-type: text\/csv/i);
    expect(attachmentPart(raw, 'wrapped.bin')!.content.equals(Buffer.from(PDF_BASE64, 'base64'))).to.equal(true);
  });

  it('delivers an attachment close to the 10 MiB cap', async () => {
    server = await startSmtpServer();
    const bytes = Buffer.alloc(9 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 31) & 0xff;
    await runJob({
      to: 'ada@example.com', from: 'a@acme.example', subject: 'big', body: 'b',
      attachments: [{ filename: 'big.bin', content: bytes.toString('base64'), encoding: 'base64' }],
    }, { env: server.env() });
    expect(attachmentPart(server.messages[0]!.raw, 'big.bin')!.content.equals(bytes)).to.equal(true);
  });

  it('uses SMTP_FROM when the payload has no from', async () => {
    server = await startSmtpServer();
    const result = await runJob({ to: 'ada@example.com', subject: 'Default sender', body: 'hi' }, {
      env: server.env({ SMTP_FROM: 'Acme Robot <robot@acme.example>' }),
    });
    expect(server.messages[0]!.from).to.equal('robot@acme.example');
    expect(headersOf(server.messages[0]!.raw).get('from')).to.equal('Acme Robot <robot@acme.example>');
    expect(result.messageId).to.equal(`<${JOB_ID}@acme.example>`);
  });

  it('fails permanently, naming SMTP_FROM, when there is no sender at all, without connecting', async () => {
    server = await startSmtpServer();
    const { error } = await rejection(runJob({ to: 'ada@example.com', subject: 'x', body: 'y' }, { env: server.env() }));
    expect(isPermanentJobError(error)).to.equal(true);
    expect(error.message).to.contain('SMTP_FROM');
    expect(error.reason).to.equal('EMAIL_NO_SENDER');
    expect(server.connections.opened).to.equal(0);
  });

  it('logs in with SMTP_USER / SMTP_PASSWORD, and fails permanently on a 535', async () => {
    server = await startSmtpServer({ auth: { user: 'mailer', pass: 's3cret pass' } });
    const payload = { to: 'ada@example.com', from: 'a@acme.example', subject: 'auth', body: 'x' };
    await runJob(payload, { env: server.env({ SMTP_USER: 'mailer', SMTP_PASSWORD: 's3cret pass' }) });
    expect(server.logins).to.deep.equal([{ username: 'mailer', password: 's3cret pass' }]);
    expect(server.messages).to.have.lengthOf(1);

    const { error } = await rejection(runJob(payload, { env: server.env({ SMTP_USER: 'mailer', SMTP_PASSWORD: 'wrong' }) }));
    expect(isPermanentJobError(error)).to.equal(true);
    expect(error.message).to.match(/535/);
    expect(error.message).to.not.contain('wrong');
  });

  it('retries a 451 reply to RCPT TO (RetryLaterError)', async () => {
    server = await startSmtpServer({ rejectRecipient: () => 451 });
    const { error } = await rejection(runJob({ to: 'ada@example.com', from: 'a@acme.example', subject: 's', body: 'b' }, { env: server.env() }));
    expect(isRetryLaterError(error)).to.equal(true);
    expect(isPermanentJobError(error)).to.equal(false);
    expect(error.message).to.match(/^SMTP server 127\.0\.0\.1:\d+ refused every recipient: ada@example\.com \(451 4\.3\.0 .*\); will retry$/);
    expect(error.reason).to.equal('EMAIL_TEMPORARY_FAILURE');
    expect(server.messages).to.have.lengthOf(0);
  });

  it('fails a 550 reply (unknown mailbox) permanently, naming the address', async () => {
    server = await startSmtpServer({ rejectRecipient: () => 550 });
    const { error } = await rejection(runJob({ to: 'nobody@example.com', from: 'a@acme.example', subject: 's', body: 'b' }, { env: server.env() }));
    expect(isPermanentJobError(error)).to.equal(true);
    expect(error.message).to.match(/refused every recipient: nobody@example\.com \(550 5\.1\.1 <nobody@example\.com>: no such user\)$/);
    expect(error.rejected).to.deep.equal(['nobody@example.com']);
  });

  it('retries a 4xx and fails a 5xx reply to MAIL FROM', async () => {
    server = await startSmtpServer({ rejectSender: (address) => (address.startsWith('later') ? 421 : 553) });
    const later = (await rejection(runJob({ to: 'ada@example.com', from: 'later@acme.example', subject: 's', body: 'b' }, { env: server.env() }))).error;
    expect(isRetryLaterError(later)).to.equal(true);
    expect(later.message).to.match(/answered to MAIL FROM with a temporary error: 421/);
    const never = (await rejection(runJob({ to: 'ada@example.com', from: 'never@acme.example', subject: 's', body: 'b' }, { env: server.env() }))).error;
    expect(isPermanentJobError(never)).to.equal(true);
    expect(never.message).to.match(/answered to MAIL FROM with a permanent error: 553/);
  });

  describe('partly refused recipients', () => {
    const payload = { to: ['ok@example.com', 'nobody@example.com'], from: 'a@acme.example', subject: 's', body: 'b' };
    const reject = (address: string) => (address.startsWith('nobody') ? 550 : address.startsWith('later') ? 451 : undefined);

    it('fail the job permanently by default, naming both lists; the accepted recipient has it', async () => {
      server = await startSmtpServer({ rejectRecipient: reject });
      const { error } = await rejection(runJob(payload, { env: server.env() }));
      expect(isPermanentJobError(error)).to.equal(true);
      expect(error.reason).to.equal('EMAIL_PARTIALLY_REJECTED');
      expect(error.message).to.contain('accepted 1 of 2 recipients');
      expect(error.message).to.contain('nobody@example.com (550 5.1.1');
      expect(error.message).to.contain('allowPartialDelivery');
      expect(error.accepted).to.deep.equal(['ok@example.com']);
      expect(error.rejected).to.deep.equal(['nobody@example.com']);
      expect(server.messages.map((m) => m.to)).to.deep.equal([['ok@example.com']]);
    });

    it('succeed with allowPartialDelivery, listing the refused ones and logging a warning', async () => {
      server = await startSmtpServer({ rejectRecipient: reject });
      const log = recordingLog();
      const result = await runJob({ ...payload, allowPartialDelivery: true }, { env: server.env(), log });
      expect(result).to.deep.include({ accepted: ['ok@example.com'], rejected: ['nobody@example.com'] });
      expect(log.lines.find((l) => l.level === 'warn')?.message).to.match(/refused nobody@example\.com \(550/);
    });

    it('when every recipient is refused, some for good: permanent, or retried with allowPartialDelivery', async () => {
      server = await startSmtpServer({ rejectRecipient: reject });
      const mixed = { ...payload, to: ['later@example.com', 'nobody@example.com'] };
      const strict = (await rejection(runJob(mixed, { env: server.env() }))).error;
      expect(isPermanentJobError(strict)).to.equal(true);
      expect(strict.message).to.match(/refused every recipient: later@example\.com \(451 .*\), nobody@example\.com \(550 /);
      const lenient = (await rejection(runJob({ ...mixed, allowPartialDelivery: true }, { env: server.env() }))).error;
      expect(isRetryLaterError(lenient)).to.equal(true);
    });
  });

  it('fails permanently with a configuration error naming SMTP_HOST and NOTIFICATIONS_API_URL when neither is set', async () => {
    const envs: Record<string, string>[] = [{}, { SMTP_FROM: 'a@acme.example', SMTP_PORT: '25' }];
    for (const env of envs) {
      const { error } = await rejection(runJob({ to: 'ada@example.com', from: 'a@acme.example', subject: 's', body: 'b' }, { env }));
      expect(isPermanentJobError(error)).to.equal(true);
      expect(error.reason).to.equal('EMAIL_NOT_CONFIGURED');
      expect(error.message).to.match(/neither SMTP_HOST nor NOTIFICATIONS_API_URL is set/);
    }
  });

  it('fails permanently on a bad setting, naming it', async () => {
    server = await startSmtpServer();
    const payload = { to: 'ada@example.com', from: 'a@acme.example', subject: 's', body: 'b' };
    const cases: [Record<string, string>, RegExp][] = [
      [{ SMTP_PORT: 'smtp' }, /SMTP_PORT must be a port number/],
      [{ SMTP_SECURE: 'maybe' }, /SMTP_SECURE must be true or false/],
      [{ SMTP_USER: 'mailer' }, /SMTP_USER is set but SMTP_PASSWORD is not/],
      [{ SMTP_FROM: '"x@evil.example" <a@acme.example>' }, /SMTP_FROM .* display name contains "@"/],
      [{ JOBS_EMAIL_ALLOWED_DOMAINS: 'example.com, not a domain' }, /JOBS_EMAIL_ALLOWED_DOMAINS: "not a domain"/],
    ];
    for (const [extra, expected] of cases) {
      const { error } = await rejection(runJob(payload, { env: server.env(extra) }));
      expect(isPermanentJobError(error), JSON.stringify(extra)).to.equal(true);
      expect(error.message).to.match(/^send-email is misconfigured: /);
      expect(error.message).to.match(expected);
    }
    expect(server.connections.opened).to.equal(0);
  });

  it('refuses misleading or malformed recipients before connecting, naming the entry', async () => {
    server = await startSmtpServer();
    const bad: [Partial<{ to: string | string[]; cc: string; bcc: string[] }>, RegExp][] = [
      [{ to: '"victim@good.example" <attacker@evil.example>' }, /payload\.to .* display name contains "@"/],
      [{ to: 'victim@good.example <attacker@evil.example>' }, /display name contains special characters/],
      [{ cc: 'victim@good.example (attacker@evil.example)' }, /payload\.cc .* comments .* are not accepted/],
      [{ bcc: ['ok@example.com', '"a@b"@evil.example'] }, /payload\.bcc\[1\] .* quoted local parts/],
      [{ to: 'Team: a@example.com, b@example.com;' }, /payload\.to .* one address per entry/],
      [{ to: 'a@example.com, b@example.com' }, /payload\.to "a@example\.com, b@example\.com" is refused: one address per entry/],
      [{ to: ['a@example.com\r\nBcc: spy@evil.example'] }, /payload\.to\[0\] .* control character \(CR\)/],
      [{ to: '<a@example.com>evil.example' }, /text after the address/],
      [{ to: 'a@[127.0.0.1]' }, /not a valid domain name/],
      [{ to: '=?utf-8?B?dmljdGltQGdvb2QuZXhhbXBsZQ==?= <attacker@evil.example>' }, /encoded word/],
      [{ to: 'victim＠good.example <attacker@evil.example>' }, /display name contains "@"/],
    ];
    for (const [fields, expected] of bad) {
      const payload = { to: 'ok@example.com', from: 'a@acme.example', subject: 's', body: 'b', ...fields };
      const { error } = await rejection(runJob(payload, { env: server.env() }));
      expect(isPermanentJobError(error), JSON.stringify(fields)).to.equal(true);
      expect(error.message, JSON.stringify(fields)).to.match(expected);
    }
    expect(server.connections.opened).to.equal(0);
  });

  it('refuses recipients outside JOBS_EMAIL_ALLOWED_DOMAINS, naming the address', async () => {
    server = await startSmtpServer();
    const env = server.env({ JOBS_EMAIL_ALLOWED_DOMAINS: 'example.com, *.example.org' });
    const base = { from: 'a@acme.example', subject: 's', body: 'b' };
    await runJob({ ...base, to: 'Ada <ada@EXAMPLE.com>', cc: 'x@team.example.org' }, { env });
    expect(server.messages[0]!.to).to.deep.equal(['ada@example.com', 'x@team.example.org']);

    const refused: [{ to: string; bcc?: string[] }, string][] = [
      [{ to: 'ada@example.com', bcc: ['spy@evil.example'] }, 'spy@evil.example'],
      [{ to: 'apex@example.org' }, 'apex@example.org'],
      [{ to: 'look@example.com.evil.example' }, 'look@example.com.evil.example'],
    ];
    for (const [fields, address] of refused) {
      const { error } = await rejection(runJob({ ...base, ...fields }, { env }));
      expect(isPermanentJobError(error)).to.equal(true);
      expect(error.reason).to.equal('EMAIL_DOMAIN_NOT_ALLOWED');
      expect(error.message).to.contain(`${address} is refused`);
      expect(error.message).to.contain('JOBS_EMAIL_ALLOWED_DOMAINS (example.com, *.example.org)');
    }
    expect(server.messages).to.have.lengthOf(1);
  });

  it('refuses header injection in the subject and headers, and reserved headers, before connecting', async () => {
    server = await startSmtpServer();
    const base = { to: 'ada@example.com', from: 'a@acme.example', subject: 's', body: 'b' };
    const bad: [object, RegExp][] = [
      [{ subject: 'Hello\r\nBcc: spy@evil.example' }, /payload\.subject contains a control character \(CR\): header injection is refused/],
      [{ subject: 'Hello\nX: y' }, /payload\.subject contains a control character \(LF\)/],
      [{ headers: { 'X-Note': 'ok\r\nBcc: spy@evil.example' } }, /payload\.headers\["X-Note"\] contains a control character/],
      [{ headers: { 'X-Bad: name': 'v' } }, /is not a valid header name/],
      [{ headers: { Bcc: 'spy@evil.example' } }, /payload\.headers\["Bcc"\] may not be set through headers/],
      [{ headers: { 'content-type': 'text/html' } }, /may not be set through headers/],
      [{ attachments: [{ filename: 'a\r\n.txt', content: 'x' }] }, /filename contains a control character/],
      [{ attachments: [{ filename: '../../etc/passwd', content: 'x' }] }, /without a path/],
      [{ attachments: [{ filename: 'a.bin', content: 'not base64!', encoding: 'base64' }] }, /not valid base64/],
    ];
    for (const [fields, expected] of bad) {
      const { error } = await rejection(runJob({ ...base, ...fields } as never, { env: server.env() }));
      expect(isPermanentJobError(error), JSON.stringify(fields)).to.equal(true);
      expect(error.message, JSON.stringify(fields)).to.match(expected);
    }
    expect(server.connections.opened).to.equal(0);
  });

  it('sends custom headers, and takes a Message-ID given in them', async () => {
    server = await startSmtpServer();
    const result = await runJob({
      to: 'ada@example.com', from: 'a@acme.example', subject: 's', body: 'b',
      headers: { 'X-Campaign': 'spring', 'List-Unsubscribe': '<mailto:unsub@acme.example>', 'Message-ID': '<order-42@acme.example>' },
    }, { env: server.env() });
    const headers = headersOf(server.messages[0]!.raw);
    expect(headers.get('x-campaign')).to.equal('spring');
    expect(headers.get('list-unsubscribe')).to.equal('<mailto:unsub@acme.example>');
    expect(headers.get('message-id')).to.equal('<order-42@acme.example>');
    expect(result.messageId).to.equal('<order-42@acme.example>');
  });

  it('lets nodemailer make a random Message-ID for a job id that is not a UUID', async () => {
    server = await startSmtpServer();
    const result = await runJob({ to: 'ada@example.com', from: 'a@acme.example', subject: 's', body: 'b' }, { env: server.env(), id: '17' });
    expect(result.messageId).to.match(/^<[^<>]+@acme\.example>$/);
    expect(result.messageId).to.not.equal('<17@acme.example>');
  });

  it('retries when the SMTP server refuses the connection', async () => {
    const port = await freePort();
    const { error } = await rejection(runJob({ to: 'ada@example.com', from: 'a@acme.example', subject: 's', body: 'b' }, {
      env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port) },
    }));
    expect(isRetryLaterError(error)).to.equal(true);
    expect(error.message).to.match(new RegExp(`^SMTP connection to 127\\.0\\.0\\.1:${port} failed \\(ESOCKET, ECONNREFUSED\\)`));
  });

  it('retries, promptly, when the server never sends its greeting', async () => {
    const silent = net.createServer(() => { /* accepts, says nothing */ });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const settings = settingsFromEnv({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port) });
    const sender = new EmailSender({ ...settings, smtp: { ...settings.smtp!, greetingTimeoutMs: 200 } });
    try {
      const { error, ms } = await rejection(sender.send(jobContext({ to: 'ada@example.com', from: 'a@acme.example', subject: 's', body: 'b' })));
      expect(isRetryLaterError(error)).to.equal(true);
      expect(error.message).to.match(/failed \(ETIMEDOUT, GREETING_TIMEOUT\): Greeting never received; will retry$/);
      expect(ms).to.be.below(2000);
    } finally {
      sender.close();
      silent.close();
    }
  });

  it("stops on context.signal and passes the runtime's abort reason through", async () => {
    // A server that takes the message but never answers the end of DATA.
    server = await startSmtpServer();
    const stalled = net.createServer((socket) => {
      socket.write('220 stalled ESMTP\r\n');
      socket.on('data', (data) => {
        const text = data.toString();
        if (/^EHLO/im.test(text)) socket.write('250-stalled\r\n250 8BITMIME\r\n');
        else if (/^(MAIL|RCPT)/im.test(text)) socket.write('250 OK\r\n');
        else if (/^DATA/im.test(text)) socket.write('354 go ahead\r\n');
      });
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const { port } = stalled.address() as net.AddressInfo;
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new JobTimeoutError(150)), 150);
      const { error, ms } = await rejection(runJob({ to: 'ada@example.com', from: 'a@acme.example', subject: 's', body: 'b' }, {
        env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port) }, signal: controller.signal,
      }));
      expect(isJobTimeoutError(error)).to.equal(true);
      expect(ms).to.be.below(2000);
    } finally {
      stalled.close();
    }
  });

  it('reuses one pooled transport across jobs, and teardown closes its connections', async () => {
    server = await startSmtpServer();
    await processor.setup!({ env: server.env(), log: recordingLog() });
    const payload = (n: number) => ({ to: `user${n}@example.com`, from: 'a@acme.example', subject: `job ${n}`, body: 'b' });
    for (let n = 0; n < 5; n += 1) await processor.process(jobContext(payload(n)));
    expect(server.connections.opened).to.equal(1);

    await Promise.all([5, 6, 7, 8, 9, 10, 11, 12].map((n) => processor.process(jobContext(payload(n)))));
    expect(server.messages).to.have.lengthOf(13);
    expect(server.connections.opened).to.be.at.most(5); // the pool's maxConnections
    expect(server.connections.closed).to.equal(0);

    await processor.teardown!();
    const { opened } = server.connections;
    await waitFor(() => server!.connections.closed === opened, 'the pooled connections to close', 5000);
  });
});
