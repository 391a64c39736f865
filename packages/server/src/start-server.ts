import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Runtime } from '@nself-jobs/runtime';
import { createApp } from './create-app.js';

export interface StartServerOptions {
  /** Default runtime.config.dashboard.host (JOBS_SERVER_HOST, 127.0.0.1). */
  host?: string;
  /** Default runtime.config.dashboard.port (JOBS_DASHBOARD_PORT, 3105); 0 takes any free port. */
  port?: number;
  /** Bind a non-loopback address although no API key is set. */
  allowPublicWithoutKey?: boolean;
}

export interface RunningServer {
  /** Where the server answers, with the real port, e.g. http://127.0.0.1:3105 */
  url: string;
  apiUrl: string;
  /** undefined when the dashboard is disabled. */
  dashboardUrl: string | undefined;
  /** Stops accepting connections, ends idle ones at once and the rest after a short grace. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 3000;

/** localhost, 127.0.0.0/8 and ::1 (also written [::1] or as IPv4-mapped ::ffff:127.x.x.x). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  if (net.isIPv6(bare)) return bare === '::1' || /^::ffff:127\./.test(bare) || /^(0{0,4}:){7}0{0,3}1$/.test(bare);
  return false;
}

/** Listens with the app of createApp; refuses a non-loopback address without an API key unless told it is intended. */
export async function startServer(runtime: Runtime, options: StartServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? runtime.config.dashboard.host;
  const port = options.port ?? runtime.config.dashboard.port;
  if (!runtime.config.apiKey && !isLoopbackHost(host) && !options.allowPublicWithoutKey) {
    throw Object.assign(new Error(`refusing to listen on ${host} without an API key: anyone who reaches it could enqueue jobs and use the dashboard. `
      + 'Set JOBS_API_KEY, or bind to 127.0.0.1, or pass --allow-public (allowPublicWithoutKey) if this is intended.'), { code: 'SETUP_INVALID' });
  }
  const app = createApp(runtime);
  const server = http.createServer(app.callback());
  await listen(server, host, port);
  const { port: actualPort } = server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${actualPort}`;
  const { enabled, path } = runtime.config.dashboard;
  return {
    url,
    apiUrl: `${url}/api`,
    dashboardUrl: enabled ? `${url}${path}` : undefined,
    close: () => closeServer(server),
  };
}

function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.removeListener('listening', onListening);
      if (error.code === 'EADDRINUSE') reject(new Error(`port ${port} on ${host} is already in use: set JOBS_DASHBOARD_PORT or pass --port`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new Error(`cannot listen on ${host}: no such address on this machine (JOBS_SERVER_HOST)`));
      else reject(error);
    };
    const onListening = () => {
      server.removeListener('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: host.replace(/^\[(.*)\]$/, '$1'), port });
  });
}

/** A host to print in a URL: brackets around IPv6, a wildcard bind shown as the loopback address that reaches it. */
function urlHost(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === '0.0.0.0') return '127.0.0.1';
  if (bare === '::') return '[::1]';
  return net.isIPv6(bare) ? `[${bare}]` : bare;
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    timer.unref();
    server.close((error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
