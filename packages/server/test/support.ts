import { knownQueues, type Runtime, type RuntimeOptions } from '@nself-jobs/runtime';
import { startServer, type RunningServer, type StartServerOptions } from '../src/index.js';
import { startTestRuntime as startSourceRuntime } from '../../runtime/test/support/test-runtime.js';

/**
 * The runtime's test helper builds a Runtime from the runtime's sources, while this package
 * imports @nself-jobs/runtime (its dist): the same class twice for the type checker, so cast.
 */
export async function startTestRuntime(env: Record<string, string> = {}, options: RuntimeOptions = {}): Promise<Runtime> {
  return (await startSourceRuntime(env, options as never)) as unknown as Runtime;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is, instead of JSON.stringify(body). */
  raw?: string;
  headers?: Record<string, string>;
}

/** Real HTTP against a listening server. */
export async function request(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.raw;
  if (options.body !== undefined && body === undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

export interface TestServer {
  runtime: Runtime;
  server: RunningServer;
  url: string;
  call(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  close(): Promise<void>;
}

/** A runtime on the shared test Redis with a fresh database, and the server on a free loopback port. */
export async function startTestServer(env: Record<string, string> = {}, options: { runtime?: RuntimeOptions; server?: StartServerOptions } = {}): Promise<TestServer> {
  const runtime = await startTestRuntime(env, options.runtime);
  let server: RunningServer;
  try {
    server = await startServer(runtime, { port: 0, ...options.server });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  return {
    runtime,
    server,
    url: server.url,
    call: (method, path, opts) => request(server.url, method, path, opts),
    close: async () => {
      await server.close();
      await runtime.close(1000);
    },
  };
}

/** Rows in the record's jobs table. */
export async function recordCount(runtime: Runtime): Promise<number> {
  const { rows } = await runtime.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${runtime.quotedSchema}.jobs`);
  return rows[0].n;
}

/** Jobs the backend holds in any state, over every known queue. */
export async function backendCount(runtime: Runtime): Promise<number> {
  let total = 0;
  for (const name of knownQueues(runtime.registry)) {
    const counts = await runtime.queue(name).getJobCounts();
    total += Object.values(counts).reduce((a, b) => a + Number(b), 0);
  }
  return total;
}
