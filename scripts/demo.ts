/**
 * The program behind `npm run demo` (scripts/demo.sh installs and builds first):
 * 1. starts a small JSON endpoint on 127.0.0.1 (a free port), standing in for "some web service";
 * 2. starts `jobs dev --json` as a child process (node packages/cli/bin/run.js, not npx, so that
 *    stopping it stops it), which embeds PostgreSQL under ./.jobs when DATABASE_URL is not set;
 * 3. enqueues one http-request job against the endpoint through the REST API (POST /api/jobs),
 *    polls GET /api/jobs/:id until it completes or fails (30 s at most) and prints its record;
 * 4. prints the dashboard URL and keeps running until Ctrl-C, which stops `jobs dev` cleanly.
 * Anything that goes wrong is printed, and the exit code is then 1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'packages', 'cli', 'bin', 'run.js');
const LOG_FILE = path.join(ROOT, '.jobs', 'demo.log');
const READY_TIMEOUT_MS = 180_000;
const JOB_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 60_000;

interface DevReady {
  url: string;
  apiUrl: string;
  dashboardUrl: string | null;
  databaseUrl: string;
  embeddedDatabase: boolean;
  backend: 'postgres' | 'redis';
  queues: string[];
}

interface JobRecord {
  id: string;
  type: string;
  queue: string;
  status: string;
  attempts_made: number;
  max_attempts: number;
  created_at: string;
  completed_at: string | null;
  last_error: string | null;
  result: { result: { status?: number; statusText?: string; body?: unknown } | null; duration_ms: number | null } | null;
  failures: Array<{ attempt_number: number; error_message: string; failed_at: string }>;
}

class DemoError extends Error {}

const say = (line = '') => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const endpoint = await startEndpoint();
  const dev = startJobsDev(process.argv.slice(2));
  let stopping: Promise<number> | undefined;
  const stop = (): Promise<number> => {
    stopping ??= (async () => {
      const code = await dev.stop();
      endpoint.close();
      return code;
    })();
    return stopping;
  };
  const interrupted = onStopSignal(() => {
    say('\ndemo: stopping jobs dev (workers, server, then the database)...');
    return stop();
  }, () => dev.forceStop());

  try {
    say(`demo: a JSON endpoint for the job to call listens on ${endpoint.url}`);
    say('demo: starting jobs dev (the first run creates a PostgreSQL cluster in .jobs/postgres: a few seconds)...');
    const ready = await Promise.race([dev.ready, interrupted.then(() => undefined)]);
    if (!ready) return await stop();

    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (process.env.JOBS_API_KEY) headers.authorization = `Bearer ${process.env.JOBS_API_KEY}`;
    const request = { type: 'http-request', payload: { url: `${endpoint.url}/orders/42/shipped`, method: 'POST', body: { order: 42, status: 'shipped' } } };
    say(`demo: POST ${ready.url}/api/jobs ${JSON.stringify(request)}`);
    const created = await api<{ id: string; status: string }>(`${ready.url}/api/jobs`, { method: 'POST', headers, body: JSON.stringify(request) }, [200, 201]);
    say(`demo: job ${created.id} is ${created.status}; waiting for it (${JOB_TIMEOUT_MS / 1000} s at most)...`);

    const job = await waitForJob(`${ready.url}/api/jobs/${created.id}`, headers, interrupted);
    if (!job) return await stop();
    printRecord(job, endpoint.calls);
    printWhereToLook(ready, job.id);
    if (job.status !== 'completed') throw new DemoError(`the job ended ${job.status}: ${job.last_error ?? 'see its failures above'}`);

    say('demo: jobs dev keeps running; press Ctrl-C to stop it.');
    const outcome = await Promise.race([interrupted.then(() => 'signal' as const), dev.exited.then(() => 'exited' as const)]);
    if (outcome === 'exited') throw new DemoError(`jobs dev stopped on its own\n${dev.logTail()}`);
    const code = await stop();
    say(code === 0 ? 'demo: stopped cleanly.' : `demo: jobs dev exited with code ${code}`);
    return code === 0 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`\ndemo failed: ${(error as Error).message}\n`);
    if (!(error instanceof DemoError)) process.stderr.write(`${dev.logTail()}\n`);
    process.stderr.write(`(jobs dev's log: ${LOG_FILE})\n`);
    await stop();
    return 1;
  }
}

/** The stand-in web service: answers every request with JSON describing it. */
async function startEndpoint(): Promise<{ url: string; calls: string[]; close(): void }> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      calls.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ received: true, method: req.method, path: req.url, body: body ? JSON.parse(body) as unknown : null, at: new Date().toISOString() }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls, close: () => { server.closeAllConnections(); server.close(); } };
}

interface JobsDevChild {
  ready: Promise<DevReady>;
  exited: Promise<number>;
  stop(): Promise<number>;
  forceStop(): void;
  logTail(): string;
}

/**
 * `jobs dev --json` in a process group of its own (detached): the Ctrl-C a terminal sends to its
 * whole foreground group, and the copy npm forwards, reach this program only, which then asks
 * jobs dev to stop exactly once.
 */
function startJobsDev(args: string[]): JobsDevChild {
  fs.mkdirSync(path.dirname(LOG_FILE), { recursive: true });
  const log = fs.createWriteStream(LOG_FILE, { flags: 'w' });
  const tail: string[] = [];
  const child: ChildProcess = spawn(process.execPath, [CLI, 'dev', '--json', ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (line: string) => {
    log.write(`${line}\n`);
    tail.push(line);
    if (tail.length > 30) tail.shift();
  };
  createInterface({ input: child.stderr! }).on('line', keep);
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.once('error', (error) => { keep(`cannot start jobs dev: ${error.message}`); resolve(1); });
  });
  const ready = new Promise<DevReady>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as Partial<DevReady>;
        if (typeof parsed.url === 'string') return resolve(parsed as DevReady);
      } catch {
        // not the ready line
      }
      keep(line);
    });
    void exited.then((code) => reject(new DemoError(`jobs dev exited with code ${code} before it was ready:\n${logTail()}`)));
    setTimeout(() => reject(new DemoError(`jobs dev was not ready after ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS).unref();
  });
  ready.catch(() => {});
  const running = () => child.exitCode === null && child.signalCode === null;
  // Should this program die unexpectedly, jobs dev still gets its orderly stop.
  process.on('exit', () => { if (running()) child.kill('SIGTERM'); });
  const logTail = () => tail.map((line) => `  | ${line.length > 400 ? `${line.slice(0, 400)}...` : line}`).join('\n');

  return {
    ready,
    exited,
    logTail,
    async stop() {
      if (running()) child.kill('SIGTERM');
      const code = await Promise.race([exited, sleep(STOP_TIMEOUT_MS).then(() => undefined)]);
      if (code === undefined) {
        process.stderr.write(`demo: jobs dev did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it\n`);
        child.kill('SIGKILL');
        return 1;
      }
      log.end();
      return code;
    },
    forceStop() {
      if (running()) child.kill('SIGINT'); // its second signal: stop at once
    },
  };
}

/**
 * Resolves on the first SIGINT/SIGTERM/SIGHUP after calling `stop`. A repeat within a second is
 * the same Ctrl-C arriving twice (from the terminal and forwarded by npm) and is ignored; a later
 * one means "now": jobs dev is told to stop at once.
 */
function onStopSignal(stop: () => Promise<number>, force: () => void): Promise<void> {
  return new Promise((resolve) => {
    let first = 0;
    const handler = () => {
      if (first === 0) {
        first = Date.now();
        void stop();
        resolve();
      } else if (Date.now() - first > 1000) {
        say('demo: stopping at once');
        force();
      }
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, handler);
  });
}

async function api<T>(url: string, init: RequestInit, okStatuses: number[]): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new DemoError(`${init.method ?? 'GET'} ${url} failed: ${(error as Error).message}`);
  }
  const text = await response.text();
  if (!okStatuses.includes(response.status)) throw new DemoError(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function waitForJob(url: string, headers: Record<string, string>, interrupted: Promise<void>): Promise<JobRecord | undefined> {
  let stop = false;
  void interrupted.then(() => { stop = true; });
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  let job: JobRecord | undefined;
  while (!stop) {
    job = await api<JobRecord>(url, { headers }, [200]);
    if (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled') return job;
    if (Date.now() > deadline) throw new DemoError(`the job is still ${job.status} after ${JOB_TIMEOUT_MS / 1000} s`);
    await sleep(200);
  }
  return undefined;
}

function printRecord(job: JobRecord, calls: string[]): void {
  const result = job.result?.result;
  say();
  say(`The job's record (GET /api/jobs/${job.id}):`);
  say(`  type:        ${job.type} (queue ${job.queue})`);
  say(`  status:      ${job.status}`);
  say(`  attempts:    ${job.attempts_made} of ${job.max_attempts}`);
  say(`  duration_ms: ${job.result?.duration_ms ?? '-'}`);
  if (result) {
    say(`  result:      HTTP ${result.status ?? '?'}${result.statusText ? ` ${result.statusText}` : ''}`);
    say(`  body:        ${JSON.stringify(result.body)}`);
  }
  for (const failure of job.failures ?? []) say(`  failure:     attempt ${failure.attempt_number}: ${failure.error_message}`);
  say(`  the endpoint saw: ${calls.join('; ') || '(no request)'}`);
  say();
}

function printWhereToLook(ready: DevReady, jobId: string): void {
  say(`Dashboard:     ${ready.dashboardUrl ?? '(disabled: JOBS_DASHBOARD_ENABLED=false)'}`);
  say(`API:           ${ready.apiUrl}   e.g. curl ${ready.apiUrl}/jobs/${jobId}`);
  say(`DATABASE_URL:  ${ready.databaseUrl}${ready.embeddedDatabase ? '   (embedded, local to this machine: hence the password)' : ''}`);
  say(`Queues:        ${ready.queues.join(', ')} on ${ready.backend === 'redis' ? 'Redis' : 'PostgreSQL'}`);
  say();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

process.exitCode = await main();
