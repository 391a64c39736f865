import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedMessage {
  /** MAIL FROM of the envelope. */
  from: string;
  /** RCPT TO addresses the server accepted. */
  to: string[];
  /** The message as transmitted after DATA (headers and MIME body). */
  raw: string;
  sessionId: string;
}

export interface TestSmtpServer {
  port: number;
  messages: ReceivedMessage[];
  /** Connections opened and closed so far. */
  connections: { opened: number; closed: number };
  /** Logins seen (AUTH only offered when the server was started with `auth`). */
  logins: { username: string; password: string }[];
  /** The worker environment that points send-email at this server. */
  env(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export interface SmtpServerBehaviour {
  /** Return an SMTP reply code to refuse a recipient (e.g. 451, 550), undefined to accept it. */
  rejectRecipient?(address: string): number | undefined;
  /** Return an SMTP reply code to refuse the sender. */
  rejectSender?(address: string): number | undefined;
  /** Require AUTH with these credentials (plain text: the test server offers no TLS). */
  auth?: { user: string; pass: string };
}

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

/** A real SMTP server (the npm smtp-server) on 127.0.0.1 and a free port, without TLS, recording what it receives. */
export async function startSmtpServer(behaviour: SmtpServerBehaviour = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMessage[] = [];
  const connections = { opened: 0, closed: 0 };
  const logins: { username: string; password: string }[] = [];
  const options: SMTPServerOptions = {
    secure: false,
    disabledCommands: behaviour.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !behaviour.auth,
    allowInsecureAuth: true,
    logger: false,
    closeTimeout: 200,
    onConnect(_session, callback) {
      connections.opened += 1;
      callback();
    },
    onClose() {
      connections.closed += 1;
    },
    onAuth(auth, _session, callback) {
      logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
      if (auth.username === behaviour.auth?.user && auth.password === behaviour.auth?.pass) return callback(null, { user: auth.username });
      return callback(smtpError(535, 'Authentication credentials invalid'));
    },
    onMailFrom(address, _session, callback) {
      const code = behaviour.rejectSender?.(address.address);
      callback(code ? smtpError(code, code >= 500 ? 'sender refused' : 'sender deferred, try again later') : undefined);
    },
    onRcptTo(address, _session, callback) {
      const code = behaviour.rejectRecipient?.(address.address);
      callback(code ? smtpError(code, code >= 500 ? `5.1.1 <${address.address}>: no such user` : `4.3.0 <${address.address}>: try again later`) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          sessionId: session.id,
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    messages,
    connections,
    logins,
    env: (extra = {}) => ({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_SECURE: 'false', ...extra }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The header block of a raw message, unfolded, as lower-cased name -> value. */
export function headersOf(raw: string): Map<string, string> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}
