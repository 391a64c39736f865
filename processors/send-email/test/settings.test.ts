import { expect } from 'chai';
import { isPermanentJobError } from '@nself-jobs/sdk';
import { LIMITS } from '../src/limits.js';
import { prepareMessage } from '../src/prepare-message.js';
import { describeRoute, settingsFromEnv } from '../src/settings.js';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(isPermanentJobError(error)).to.equal(true);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('send-email settings and limits', () => {
  it('reads the SMTP settings: port 587 by default, 465 means TLS unless SMTP_SECURE says otherwise', () => {
    const plain = settingsFromEnv({ SMTP_HOST: 'smtp.example.com' });
    expect(plain.route).to.equal('smtp');
    expect(plain.problems).to.deep.equal([]);
    expect(plain.smtp).to.include({ host: 'smtp.example.com', port: 587, secure: false, requireTls: false });
    expect(plain.smtp!.auth).to.equal(undefined);
    expect(settingsFromEnv({ SMTP_HOST: 'h.example', SMTP_PORT: '465' }).smtp!.secure).to.equal(true);
    expect(settingsFromEnv({ SMTP_HOST: 'h.example', SMTP_PORT: '465', SMTP_SECURE: 'false' }).smtp!.secure).to.equal(false);
    expect(settingsFromEnv({ SMTP_HOST: 'h.example', SMTP_SECURE: 'TRUE' }).smtp!.secure).to.equal(true);
    const auth = settingsFromEnv({ SMTP_HOST: 'h.example', SMTP_USER: 'u', SMTP_PASSWORD: ' p w ', SMTP_REQUIRE_TLS: '1' });
    expect(auth.smtp).to.deep.include({ auth: { user: 'u', pass: ' p w ' }, requireTls: true });
    expect(describeRoute(auth)).to.equal('SMTP h.example:587 (STARTTLS required, user u)');
    expect(describeRoute(auth)).to.not.contain('p w');
  });

  it('reports each bad value as a problem instead of guessing', () => {
    expect(settingsFromEnv({ SMTP_HOST: 'smtp://h.example' }).problems[0]).to.match(/SMTP_HOST must be a host name/);
    expect(settingsFromEnv({ SMTP_HOST: 'h.example', SMTP_PORT: '0' }).problems[0]).to.match(/SMTP_PORT must be a port number/);
    expect(settingsFromEnv({ SMTP_HOST: 'h.example', SMTP_PORT: '70000' }).problems[0]).to.match(/SMTP_PORT/);
    expect(settingsFromEnv({ SMTP_HOST: 'h.example', SMTP_PASSWORD: 'p' }).problems[0]).to.match(/SMTP_PASSWORD is set but SMTP_USER is not/);
    expect(settingsFromEnv({ SMTP_FROM: 'not an address' }).problems[0]).to.match(/^SMTP_FROM "not an address" is refused/);
    expect(settingsFromEnv({ NOTIFICATIONS_API_URL: 'http://n.internal', NOTIFICATIONS_API_KEY: 'a\nb' }).problems[0]).to.match(/NOTIFICATIONS_API_KEY contains a control character/);
  });

  it('routes to the notifications service when NOTIFICATIONS_API_URL is set, even with SMTP_HOST', () => {
    const settings = settingsFromEnv({ SMTP_HOST: 'h.example', NOTIFICATIONS_API_URL: 'https://notify.internal/v1//', NOTIFICATIONS_API_KEY: 'k' });
    expect(settings.route).to.equal('notifications');
    expect(settings.smtp).to.equal(undefined);
    expect(settings.notifications!.endpoint.href).to.equal('https://notify.internal/v1/send');
    expect(describeRoute(settings)).to.equal('notifications service https://notify.internal/v1/send (with API key)');
    expect(settingsFromEnv({}).route).to.equal('none');
    expect(settingsFromEnv({ SMTP_HOST: '  ' }).route).to.equal('none');
  });

  it('caps recipients, attachments and their size', () => {
    const settings = settingsFromEnv({ SMTP_HOST: 'h.example' });
    const base = { to: 'a@example.com', from: 'f@example.com', subject: 's', body: 'b' };
    const many = Array.from({ length: 60 }, (_, i) => `u${i}@example.com`);
    expect(refusal(() => prepareMessage({ ...base, to: many, bcc: many }, settings))).to.equal(
      `the message has 120 recipients (to, cc and bcc); at most ${LIMITS.recipients} are accepted`,
    );
    expect(prepareMessage({ ...base, to: many.slice(0, 50), cc: many.slice(50), bcc: many.slice(0, 40) }, settings).bcc).to.have.lengthOf(40);
    expect(refusal(() => prepareMessage({ ...base, to: [] }, settings))).to.match(/at least one recipient/);

    const files = Array.from({ length: 21 }, (_, i) => ({ filename: `f${i}.txt`, content: 'x' }));
    expect(refusal(() => prepareMessage({ ...base, attachments: files }, settings))).to.match(/has 21 files; at most 20/);
    const big = Buffer.alloc(6 * 1024 * 1024, 1).toString('base64');
    expect(refusal(() => prepareMessage({ ...base, attachments: [
      { filename: 'a.bin', content: big, encoding: 'base64' }, { filename: 'b.bin', content: big, encoding: 'base64' },
    ] }, settings))).to.equal(`payload.attachments add up to ${12 * 1024 * 1024} bytes; at most ${LIMITS.attachmentBytes} bytes (10 MiB) are accepted`);

    expect(refusal(() => prepareMessage({ to: 'a@example.com', subject: 's' } as never, settings))).to.match(/needs a body \(text\) or html/);
    expect(refusal(() => prepareMessage({ ...base, attachments: [{ filename: 'a', content: 'x', contentType: 'text/plain\r\nX: y' }] }, settings))).to.match(/contentType must be a media type/);
  });
});
