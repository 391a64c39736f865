import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import {
  createTestDatabase, startHttpServer, testRedisUrl, uniquePrefix, waitFor, type TestHttpServer,
} from '@nself-jobs/test-helpers';

/**
 * The real `jobs` binary (packages/cli/bin/run.js, which runs packages/cli/dist: build first)
 * run as a child process against the shared test Redis and a fresh PostgreSQL database.
 */
const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const TEST_KIT_DIR = fileURLToPath(new URL('../../runtime/test/fixtures/processors/test-kit', import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STACK_LINE = /^\s+at .+[(:]\d+/m;
const INSTALLED_TYPES = ['echo', 'flaky', 'http-request', 'refuse', 'sleep'];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Date.now() when the process exited. */
  exitedAt: number;
  /** Set when the process was killed for running past its time limit. */
  timedOutAfterMs?: number;
}

/** Every child started by a test; afterEach kills whatever still runs. */
const children = new Set<ChildProcess>();

function start(args: string[], env: Record<string, string>, cwd: string): { child: ChildProcess; done: Promise<Run>; stderr: () => string; stdout: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => { stdout += String(chunk); });
  child.stderr!.on('data', (chunk) => { stderr += String(chunk); });
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr, exitedAt: Date.now() });
    });
  });
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

/** Runs `jobs <args>` to the end; SIGKILL after `timeoutMs` (the run then says so, and its code is null). */
async function jobs(args: string[], env: Record<string, string>, cwd: string, timeoutMs = 30000): Promise<Run> {
  const { child, done } = start(args, env, cwd);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
  try {
    const run = await done;
    return timedOut ? { ...run, timedOutAfterMs: timeoutMs } : run;
  } finally {
    clearTimeout(timer);
  }
}

const clip = (text: string, max = 1200) => (text.length > max ? `${text.slice(0, max)}... (${text.length - max} more characters)` : text);

const describeRun = (run: Run) => `${run.timedOutAfterMs ? `did not exit within ${run.timedOutAfterMs} ms (killed)` : `exit ${run.code}`}
--- stdout
${clip(run.stdout)}
--- stderr
${clip(run.stderr)}`;

describe('jobs CLI (real process, real Redis and PostgreSQL)', function () {
  this.timeout(60000);

  let cwd: string;
  let databaseUrl: string;
  let env: Record<string, string>;
  let pool: pg.Pool | undefined;
  let server: TestHttpServer | undefined;

  beforeEach(async () => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'nself-jobs-cli-'));
    databaseUrl = await createTestDatabase('cli');
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.homedir(),
      JOBS_REDIS_URL: testRedisUrl(),
      DATABASE_URL: databaseUrl,
      JOBS_QUEUE_PREFIX: uniquePrefix('cli'),
      JOBS_PROCESSOR_PATHS: TEST_KIT_DIR,
      JOBS_RETRY_DELAY: '100',
      LOG_LEVEL: 'warn',
    };
  });

  afterEach(async () => {
    for (const child of children) child.kill('SIGKILL');
    children.clear();
    await server?.close();
    server = undefined;
    await pool?.end();
    pool = undefined;
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  const db = () => (pool ??= new pg.Pool({ connectionString: databaseUrl, max: 2 }));
  const row = async (id: string) => (await db().query(
    `SELECT j.*, r.result, r.duration_ms FROM jobs j LEFT JOIN job_results r ON r.job_id = j.id WHERE j.id = $1`, [id])).rows[0];

  /** Starts `jobs worker <args>` in the background; resolves once it says it consumes. */
  async function startWorker(args: string[] = []) {
    const worker = start(['worker', ...args], env, cwd);
    await Promise.race([
      waitFor(() => worker.stderr().includes('jobs worker: consuming'), 'the worker to start', 20000),
      worker.done.then((run) => { throw new Error(`the worker exited early: ${describeRun(run)}`); }),
    ]);
    return worker;
  }

  async function add(type: string, payload: unknown, extra: string[] = []): Promise<string> {
    const run = await jobs(['add', type, '--payload', JSON.stringify(payload), ...extra], env, cwd);
    expect(run.code, describeRun(run)).to.equal(0);
    return run.stdout.trim();
  }

  describe('a bad configuration value stops the program, naming the variable, without a stack trace', () => {
    // The values the issue names, each alone (a process start costs ~1.5 s: the rest of the
    // variables are covered without processes by packages/runtime/test/config).
    const cases: Array<[string, string, RegExp]> = [
      ['JOBS_DASHBOARD_PORT', 'abc', /^\s+- JOBS_DASHBOARD_PORT: .*port.*"abc"/m],
      ['PORT', 'abc', /^\s+- PORT: .*port.*"abc"/m],
      ['JOBS_DEFAULT_CONCURRENCY', '-1', /JOBS_DEFAULT_CONCURRENCY: .*integer.*"-1"/],
      ['JOBS_MAX_CONCURRENT', '-1', /JOBS_MAX_CONCURRENT: .*integer.*"-1"/],
      ['DATABASE_URL', 'not a url', /DATABASE_URL: .*"not a url"/],
      ['JOBS_RETRY_ATTEMPTS', 'x', /JOBS_RETRY_ATTEMPTS: .*integer.*"x"/],
      ['LOG_LEVEL', 'loud', /LOG_LEVEL: .*one of .*"loud"/],
    ];
    for (const [name, value, message] of cases) {
      it(`${name}=${value} with \`jobs init\` and \`jobs add\``, async () => {
        const bad = { ...env, [name]: value };
        const runs = await Promise.all([
          jobs(['init'], bad, cwd),
          jobs(['add', 'echo', '--payload', '{}'], bad, cwd),
        ]);
        for (const run of runs) {
          expect(run.code, describeRun(run)).to.equal(3);
          expect(run.stderr).to.match(message);
          expect(run.stderr, 'no stack trace').to.not.match(STACK_LINE);
          expect(run.stdout, 'nothing on stdout').to.equal('');
        }
      });
    }

    it('a .env file in the working directory is read, and its bad values named too', async () => {
      fs.writeFileSync(path.join(cwd, '.env'), 'JOBS_DASHBOARD_PORT=abc\n');
      const run = await jobs(['init'], env, cwd);
      expect(run.code, describeRun(run)).to.equal(3);
      expect(run.stderr).to.match(/JOBS_DASHBOARD_PORT: .*"abc"/);
    });

    it('reports every bad value at once, aliases included', async () => {
      const bad = {
        JOBS_PLUGIN_PORT: '70000', JOBS_DEFAULT_ATTEMPTS: '0', JOBS_DEFAULT_BACKOFF_DELAY: '-5', JOBS_JOB_TIMEOUT: '1.5',
        JOBS_CLEAN_COMPLETED_AFTER: 'soon', JOBS_DASHBOARD_ENABLED: 'maybe', POSTGRES_PORT: 'x',
      };
      // The primary name wins over its alias: drop JOBS_RETRY_DELAY so the alias is read.
      const { JOBS_RETRY_DELAY: _primary, ...withoutPrimary } = env;
      const run = await jobs(['worker'], { ...withoutPrimary, ...bad }, cwd);
      expect(run.code, describeRun(run)).to.equal(3);
      for (const [name, value] of Object.entries(bad)) {
        if (name === 'POSTGRES_PORT') continue; // DATABASE_URL is set: POSTGRES_* are not read
        expect(run.stderr).to.match(new RegExp(`^\\s+- ${name}: .*"${value.replace('.', '\\.')}"`, 'm'));
      }
      expect(run.stderr).to.not.match(STACK_LINE);
    });
  });

  describe('jobs init', () => {
    it('prints ok for database, migrations, backend and processors and exits 0; the second run is up to date', async () => {
      const first = await jobs(['init'], env, cwd);
      expect(first.code, describeRun(first)).to.equal(0);
      for (const name of ['database', 'migrations', 'queue backend', 'processors']) {
        expect(first.stdout, name).to.match(new RegExp(`^ok\\s+${name}\\s`, 'm'));
      }
      expect(first.stdout).to.not.match(/^FAIL/m);
      expect(first.stdout).to.match(/^ok\s+migrations\s+applied /m);
      for (const type of INSTALLED_TYPES) expect(first.stdout).to.contain(type);
      const second = await jobs(['init'], env, cwd);
      expect(second.code, describeRun(second)).to.equal(0);
      expect(second.stdout).to.match(/^ok\s+migrations\s+up to date/m);
      const { rows } = await db().query(`SELECT to_regclass('jobs') AS jobs, to_regclass('job_results') AS results`);
      expect(rows[0]).to.deep.equal({ jobs: 'jobs', results: 'job_results' });
    });

    it('--json prints { ok, checks }', async () => {
      const run = await jobs(['init', '--json'], env, cwd);
      expect(run.code, describeRun(run)).to.equal(0);
      const report = JSON.parse(run.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean }> };
      expect(report.ok).to.equal(true);
      expect(report.checks.map((c) => c.name)).to.include.members(['database', 'migrations', 'queue backend', 'processors']);
    });

    it('exits 4 naming the address when the database does not answer', async () => {
      const run = await jobs(['init'], { ...env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' }, cwd);
      expect(run.code, describeRun(run)).to.equal(4);
      expect(run.stdout + run.stderr).to.match(/FAIL\s+database\s+.*127\.0\.0\.1:1/);
      expect(run.stdout + run.stderr).to.not.match(STACK_LINE);
    });

    it('exits 4 naming the address when Redis does not answer', async () => {
      const run = await jobs(['init'], { ...env, JOBS_REDIS_URL: 'redis://127.0.0.1:1' }, cwd, 30000);
      expect(run.code, describeRun(run)).to.equal(4);
      expect(run.stdout).to.match(/FAIL\s+queue backend\s+.*127\.0\.0\.1:1/);
    });
  });

  describe('jobs add', () => {
    beforeEach(async () => {
      server = await startHttpServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"ok":true}'); });
    });

    it('prints the new job id (a UUID) and records it as waiting', async () => {
      const id = await add('http-request', { url: `http://127.0.0.1:${server!.port}/x`, method: 'POST' });
      expect(id).to.match(UUID);
      expect(await row(id)).to.include({ type: 'http-request', queue: 'default', status: 'waiting', priority: 'normal' });
    });

    it('--json prints { id, type, queue, status }', async () => {
      const run = await jobs(['add', 'http-request', '--json', '--payload', JSON.stringify({ url: `${server!.url}/x`, method: 'POST' })], env, cwd);
      expect(run.code, describeRun(run)).to.equal(0);
      const job = JSON.parse(run.stdout);
      expect(job.id).to.match(UUID);
      expect(job).to.include({ type: 'http-request', queue: 'default', status: 'waiting' });
    });

    it('passes --queue, --priority, --delay and --max-retries through', async () => {
      const id = await add('echo', { a: 1 }, ['--queue', 'low-priority', '--priority', 'critical', '--delay', '60000', '--max-retries', '0']);
      expect(await row(id)).to.include({ queue: 'low-priority', priority: 'critical', status: 'delayed', max_attempts: 1 });
    });

    it('takes {} without --payload, and reads the payload from @file', async () => {
      const bare = await jobs(['add', 'echo'], env, cwd);
      expect(bare.code, describeRun(bare)).to.equal(0);
      expect((await row(bare.stdout.trim())).payload).to.deep.equal({});
      fs.writeFileSync(path.join(cwd, 'payload.json'), JSON.stringify({ from: 'file' }));
      const run = await jobs(['add', 'echo', '--payload', '@payload.json'], env, cwd);
      expect(run.code, describeRun(run)).to.equal(0);
      expect((await row(run.stdout.trim())).payload).to.deep.equal({ from: 'file' });
    });

    it('an unknown type exits 2 and lists the installed types', async () => {
      const run = await jobs(['add', 'nope', '--payload', '{}'], env, cwd);
      expect(run.code, describeRun(run)).to.equal(2);
      expect(run.stderr).to.contain('"nope"');
      for (const type of INSTALLED_TYPES) expect(run.stderr).to.contain(type);
      expect(run.stderr).to.not.match(STACK_LINE);
    });

    it('a payload that is not JSON exits 2', async () => {
      const run = await jobs(['add', 'echo', '--payload', '{not json'], env, cwd);
      expect(run.code, describeRun(run)).to.equal(2);
      expect(run.stderr).to.match(/--payload: not valid JSON/);
      expect(run.stderr).to.not.match(STACK_LINE);
    });

    it('a payload that does not match the schema exits 2 naming the path', async () => {
      const run = await jobs(['add', 'http-request', '--payload', JSON.stringify({ method: 'FETCH' })], env, cwd);
      expect(run.code, describeRun(run)).to.equal(2);
      expect(run.stderr).to.contain('/payload/url');
      expect(run.stderr).to.contain('/payload/method');
      expect(run.stderr).to.not.match(STACK_LINE);
      const { rows } = await db().query('SELECT count(*)::int AS n FROM jobs');
      expect(rows[0].n).to.equal(0);
    });

    it('an unknown queue exits 2', async () => {
      const run = await jobs(['add', 'echo', '--queue', 'nope'], env, cwd);
      expect(run.code, describeRun(run)).to.equal(2);
      expect(run.stderr).to.contain('"nope"');
    });

    it('a bad --priority exits 2', async () => {
      const run = await jobs(['add', 'echo', '--priority', 'urgent'], env, cwd);
      expect(run.code, describeRun(run)).to.equal(2);
      expect(run.stderr).to.match(/critical, high, normal,?\s*(›\s*)?low/);
    });

    it('exits 4 (unavailable) within a bounded time when Redis is down, leaving no row', async () => {
      const run = await jobs(['add', 'echo', '--payload', '{}'], { ...env, JOBS_REDIS_URL: 'redis://127.0.0.1:1' }, cwd, 20000);
      const { rows } = await db().query('SELECT status, count(*)::int AS n FROM jobs GROUP BY status');
      expect(run.code, `${describeRun(run)}\n--- rows left in jobs: ${JSON.stringify(rows)}`).to.equal(4);
      expect(run.stderr).to.match(/127\.0\.0\.1:1/);
      expect(run.stderr).to.not.match(STACK_LINE);
      expect(rows).to.deep.equal([]);
    });
  });

  describe('jobs worker', () => {
    it('done means: init, a background worker, and `jobs add http-request` leave a completed row with its result', async () => {
      server = await startHttpServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ received: req.method, path: req.url }));
      });
      const init = await jobs(['init'], env, cwd);
      expect(init.code, describeRun(init)).to.equal(0);
      await startWorker();
      const id = await add('http-request', { url: `http://127.0.0.1:${server.port}/x`, method: 'POST' });
      expect(id).to.match(UUID);
      const done = await waitFor(async () => {
        const r = await row(id);
        return r?.status === 'completed' ? r : undefined;
      }, 'the http-request job to complete', 20000);
      expect(server.requests).to.have.length(1);
      expect(server.requests[0]).to.include({ method: 'POST', url: '/x' });
      expect(done.result).to.include({ status: 200 });
      expect(done.result.body).to.deep.equal({ received: 'POST', path: '/x' });
      expect(done.duration_ms).to.be.a('number');
      expect(done.started_at).to.be.instanceOf(Date);
      expect(done.completed_at).to.be.instanceOf(Date);
    });

    it('SIGTERM with an active job: the job finishes, the record says completed, the process exits 0', async () => {
      const worker = await startWorker();
      const id = await add('sleep', { ms: 1500 });
      await waitFor(async () => (await row(id))?.status === 'active', 'the sleep job to be active', 10000, 20);
      const signalledAt = Date.now();
      worker.child.kill('SIGTERM');
      const exit = await Promise.race([
        worker.done,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the worker did not exit within 15 s of SIGTERM')), 15000)),
      ]);
      expect(exit.code, describeRun(exit)).to.equal(0);
      expect(exit.signal).to.equal(null);
      expect(exit.stderr).to.not.match(STACK_LINE);
      // It waited for the job rather than dropping it...
      const finished = await row(id);
      expect(finished.status).to.equal('completed');
      expect(finished.attempts_made).to.equal(1);
      expect(finished.result).to.deep.equal({ slept: 1500 });
      // ...and exited only after it had finished.
      expect(finished.completed_at.getTime()).to.be.at.most(exit.exitedAt);
      expect(exit.exitedAt - signalledAt).to.be.at.least(200);
      const { rows } = await db().query('SELECT count(*)::int AS n FROM job_failures');
      expect(rows[0].n).to.equal(0);
    });

    it('SIGINT stops it cleanly too', async () => {
      const worker = await startWorker();
      worker.child.kill('SIGINT');
      const exit = await worker.done;
      expect(exit.code, describeRun(exit)).to.equal(0);
    });

    it('`jobs worker high-priority` consumes only that queue', async () => {
      await startWorker(['high-priority']);
      const high = await add('echo', { q: 'high' }, ['--queue', 'high-priority']);
      const other = await add('echo', { q: 'default' });
      const low = await add('echo', { q: 'low' }, ['--queue', 'low-priority']);
      await waitFor(async () => (await row(high))?.status === 'completed', 'the high-priority job to complete', 15000);
      // Leave the worker time to (wrongly) take the others.
      await new Promise((r) => setTimeout(r, 500));
      expect((await row(other)).status).to.equal('waiting');
      expect((await row(low)).status).to.equal('waiting');
    });

    it('`jobs worker nope` exits 2 naming the known queues', async () => {
      const run = await jobs(['worker', 'nope'], env, cwd);
      expect(run.code, describeRun(run)).to.equal(2);
      expect(run.stderr).to.contain('"nope"');
      for (const queue of ['default', 'high-priority', 'low-priority']) expect(run.stderr).to.contain(queue);
      expect(run.stderr).to.not.match(STACK_LINE);
    });

    it('a bad --concurrency exits 2', async () => {
      const run = await jobs(['worker', '--concurrency', '0'], env, cwd);
      expect(run.code, describeRun(run)).to.equal(2);
    });
  });

  describe('help', () => {
    it('`jobs --help` exits 0 and lists the commands', async () => {
      const run = await jobs(['--help'], { PATH: env.PATH, HOME: env.HOME }, cwd);
      expect(run.code, describeRun(run)).to.equal(0);
      expect(run.stdout).to.match(/USAGE\s+\$ jobs/);
      for (const command of ['add', 'init', 'worker']) expect(run.stdout).to.match(new RegExp(`^\\s+${command}\\s+\\S`, 'm'));
    });

    it('`jobs worker --help` exits 0 and shows the examples', async () => {
      const run = await jobs(['worker', '--help'], { PATH: env.PATH, HOME: env.HOME }, cwd);
      expect(run.code, describeRun(run)).to.equal(0);
      expect(run.stdout).to.contain('EXAMPLES');
      expect(run.stdout).to.contain('$ jobs worker high-priority');
      expect(run.stdout).to.contain('SIGTERM');
    });

    it('`jobs add --help` exits 0 and shows the examples', async () => {
      const run = await jobs(['add', '--help'], { PATH: env.PATH, HOME: env.HOME }, cwd);
      expect(run.code, describeRun(run)).to.equal(0);
      expect(run.stdout).to.contain('EXAMPLES');
      expect(run.stdout).to.contain('$ jobs add http-request --payload');
    });
  });
});
