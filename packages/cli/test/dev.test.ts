import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startHttpServer, waitFor, type TestHttpServer } from '@nself-jobs/test-helpers';

/**
 * `jobs dev` as a user runs it: the built binary as a child process, in an empty directory, with
 * nothing in its environment but PATH and HOME (no DATABASE_URL, no JOBS_REDIS_URL), so it embeds
 * PostgreSQL under ./.jobs and runs the queues on BullMQ's PostgreSQL backend.
 */

const CLI = fileURLToPath(new URL('../bin/run.js', import.meta.url));

interface DevReady {
  url: string;
  apiUrl: string;
  dashboardUrl: string | null;
  databaseUrl: string;
  embeddedDatabase: boolean;
  backend: string;
  queues: string[];
  dataDir: string;
  pid: number;
}

interface DevProcess {
  child: ChildProcess;
  ready: Promise<DevReady>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

const running = new Set<DevProcess>();

function startDev(cwd: string, args: string[] = ['--port', '0'], options: { detached?: boolean } = {}): DevProcess {
  const child = spawn(process.execPath, [CLI, 'dev', '--json', ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? os.homedir() },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const output = () => `stdout:\n${stdout}\nstderr (end):\n${stderr.slice(-4000)}`;
  const ready = new Promise<DevReady>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout += `${line}\n`;
      try {
        const parsed = JSON.parse(line) as Partial<DevReady>;
        if (typeof parsed.apiUrl === 'string') resolve(parsed as DevReady);
      } catch {
        // not the ready line
      }
    });
    void exited.then(({ code, signal }) => reject(new Error(`jobs dev exited (${code ?? signal}) before it was ready\n${output()}`)));
  });
  ready.catch(() => {});
  const dev = { child, ready, exited, output };
  running.add(dev);
  void exited.then(() => running.delete(dev));
  return dev;
}

async function stopDev(dev: DevProcess, signal: NodeJS.Signals = 'SIGTERM', toGroup = false) {
  if (toGroup) process.kill(-dev.child.pid!, signal);
  else dev.child.kill(signal);
  const outcome = await Promise.race([dev.exited, sleep(60_000).then(() => undefined)]);
  if (!outcome) throw new Error(`jobs dev did not exit within 60 s of ${signal}\n${dev.output()}`);
  return outcome;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    return Number.parseInt((await fs.readFile(file, 'utf8')).split('\n')[0], 10);
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by init) counts as gone.
  return !/\)\s+Z\s/.test(readStat(pid));
}

function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
}

async function enqueue(url: string, body: unknown): Promise<{ status: number; body: { id: string; status: string } }> {
  const response = await fetch(`${url}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() as { id: string; status: string } };
}

interface JobRecordView {
  id: string;
  status: string;
  attempts_made: number;
  result: { result: { status: number; body: unknown }; duration_ms: number | null } | null;
}

async function getJob(url: string, id: string): Promise<JobRecordView> {
  const response = await fetch(`${url}/api/jobs/${id}`);
  expect(response.status, `GET /api/jobs/${id}`).to.equal(200);
  return await response.json() as JobRecordView;
}

describe('jobs dev (embedded PostgreSQL, no configuration)', function () {
  this.timeout(240_000);
  let cwd: string;
  let endpoint: TestHttpServer;
  let jobId: string | undefined;

  before(async () => {
    // /tmp/xyz from mkdtemp is 0700: as root, PostgreSQL runs as `postgres` and must be able to
    // enter it to keep its data in ./.jobs (otherwise `jobs dev` links .jobs/postgres elsewhere).
    cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'nself-jobs-dev-'));
    await fs.chmod(cwd, 0o755);
    endpoint = await startHttpServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ hello: 'from the test endpoint', path: req.url }));
    });
  });

  afterEach(async () => {
    for (const dev of [...running]) {
      await stopDev(dev, 'SIGTERM').catch(() => dev.child.kill('SIGKILL'));
    }
    // A PostgreSQL left behind by a test that failed half way (or killed on purpose).
    const pid = await readPid(path.join(cwd, '.jobs', 'postgres', 'postmaster.pid'));
    if (pid && isAlive(pid)) {
      process.kill(pid, 'SIGINT');
      await waitFor(() => !isAlive(pid), 'the leftover PostgreSQL to stop', 20_000).catch(() => process.kill(pid, 'SIGKILL'));
    }
  });

  after(async () => {
    await endpoint?.close();
    if (cwd) await fs.rm(cwd, { recursive: true, force: true });
  });

  it('runs a job, stops cleanly on SIGTERM and finds the job again on the next start', async () => {
    const first = startDev(cwd);
    const ready = await first.ready;
    expect(ready.embeddedDatabase).to.equal(true);
    expect(ready.backend).to.equal('postgres');
    expect(ready.queues).to.include.members(['default', 'high-priority', 'low-priority']);
    expect(ready.databaseUrl).to.match(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/nself_jobs$/);
    expect(ready.dataDir).to.equal(path.join(cwd, '.jobs'));
    expect(ready.apiUrl).to.equal(`${ready.url}/api`);
    expect(ready.dashboardUrl).to.equal(`${ready.url}/dashboard`);

    const created = await enqueue(ready.url, { type: 'http-request', payload: { url: `${endpoint.url}/hook`, method: 'POST', body: { n: 1 } } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    jobId = created.body.id;
    const done = await waitFor(async () => {
      const job = await getJob(ready.url, jobId!);
      return job.status === 'completed' || job.status === 'failed' ? job : undefined;
    }, 'the job to finish', 30_000, 100);
    expect(done.status, JSON.stringify(done)).to.equal('completed');
    expect(done.result?.result.status).to.equal(200);
    expect(done.result?.result.body).to.deep.equal({ hello: 'from the test endpoint', path: '/hook' });
    expect(endpoint.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).to.deep.equal(['POST /hook {"n":1}']);

    const pidFile = path.join(cwd, '.jobs', 'postgres', 'postmaster.pid');
    const postgresPid = await readPid(pidFile);
    expect(postgresPid, 'postmaster.pid while running').to.be.a('number');
    expect(isAlive(postgresPid!)).to.equal(true);

    const stopped = await stopDev(first, 'SIGTERM');
    expect(stopped, first.output()).to.deep.equal({ code: 0, signal: null });
    await fs.access(pidFile).then(() => expect.fail('postmaster.pid is still there'), () => {});
    expect(isAlive(postgresPid!), 'PostgreSQL still running after jobs dev stopped').to.equal(false);

    // The data stays in ./.jobs: the cluster, and the password beside it, readable by its owner only.
    await fs.access(path.join(cwd, '.jobs', 'postgres', 'PG_VERSION'));
    const state = await fs.stat(path.join(cwd, '.jobs', 'postgres.json'));
    expect(state.mode & 0o777).to.equal(0o600);

    // Started again, in its own process group as in a terminal: Ctrl-C reaches the whole group,
    // and PostgreSQL (in a session of its own) must still stop only after everything else.
    const second = startDev(cwd, ['--port', '0'], { detached: true });
    const readyAgain = await second.ready;
    expect(readyAgain.databaseUrl, 'same port and password').to.equal(ready.databaseUrl);
    const again = await getJob(readyAgain.url, jobId);
    expect(again.status).to.equal('completed');
    expect(again.result?.result.status).to.equal(200);
    const listed = await (await fetch(`${readyAgain.url}/api/jobs?type=http-request`)).json() as { jobs?: Array<{ id: string }> };
    expect(JSON.stringify(listed)).to.include(jobId);

    const stoppedAgain = await stopDev(second, 'SIGINT', true);
    expect(stoppedAgain, second.output()).to.deep.equal({ code: 0, signal: null });
    await fs.access(pidFile).then(() => expect.fail('postmaster.pid is still there'), () => {});
  });

  it('starts after a run that was killed: stops the orphaned PostgreSQL, then removes a stale postmaster.pid', async () => {
    const pidFile = path.join(cwd, '.jobs', 'postgres', 'postmaster.pid');
    const killed = startDev(cwd);
    await killed.ready;
    const orphan = await readPid(pidFile);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(isAlive(orphan!), 'PostgreSQL outlives a SIGKILLed jobs dev').to.equal(true);

    const next = startDev(cwd);
    const ready = await next.ready;
    expect(isAlive(orphan!), 'the orphan was stopped').to.equal(false);
    if (jobId) expect((await getJob(ready.url, jobId)).status).to.equal('completed');
    expect(await stopDev(next), next.output()).to.deep.equal({ code: 0, signal: null });

    // A postmaster.pid naming a live process that is not this PostgreSQL (pids get reused,
    // in containers all the time): PostgreSQL alone would refuse to start.
    await fs.writeFile(pidFile, `${process.pid}\n${path.join(cwd, '.jobs', 'postgres')}\n`);
    const afterStale = startDev(cwd);
    const readyAfterStale = await afterStale.ready;
    expect((await fetch(`${readyAfterStale.url}/health`)).status).to.equal(200);
    expect(await stopDev(afterStale), afterStale.output()).to.deep.equal({ code: 0, signal: null });
  });

  it('as root, keeps the cluster where PostgreSQL can reach it when the project is in a 0700 directory (a clone under /root)', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const privateCwd = await fs.mkdtemp(path.join(os.tmpdir(), 'nself-jobs-dev-private-'));
    await fs.chmod(privateCwd, 0o700);
    const link = path.join(privateCwd, '.jobs', 'postgres');
    let target: string | undefined;
    try {
      const dev = startDev(privateCwd);
      const ready = await dev.ready;
      target = await fs.readlink(link);
      expect(target.startsWith('/var/lib/nself-jobs/'), target).to.equal(true);
      await fs.access(path.join(target, 'PG_VERSION'));
      expect((await fetch(`${ready.url}/health`)).status).to.equal(200);
      expect(await stopDev(dev), dev.output()).to.deep.equal({ code: 0, signal: null });
      await fs.access(path.join(target, 'postmaster.pid')).then(() => expect.fail('postmaster.pid is still there'), () => {});
    } finally {
      await fs.rm(privateCwd, { recursive: true, force: true });
      if (target) {
        await fs.rm(target, { recursive: true, force: true });
        await fs.rmdir(path.dirname(target)).catch(() => {}); // only when nothing else lives there
      }
    }
  });

  it('says clearly that the port is taken, before starting anything', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const dev = startDev(cwd, ['--port', String(port)]);
      const outcome = await Promise.race([dev.exited, sleep(30_000).then(() => undefined)]);
      expect(outcome, dev.output()).to.deep.equal({ code: 3, signal: null });
      expect(dev.output()).to.match(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      expect(dev.output()).to.include('--port 0');
    } finally {
      blocker.close();
    }
  });
});
