import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import { createTestDatabase, startHttpServer, testRedisUrl, uniquePrefix, waitFor, type TestHttpServer } from '@nself-jobs/test-helpers';
import { sample } from '../../runtime/test/operations/prom-text.js';

/** The real `jobs` binary (build first) against the shared test Redis and a fresh database. */
const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const TEST_KIT_DIR = fileURLToPath(new URL('../../runtime/test/fixtures/processors/test-kit', import.meta.url));
const STACK_LINE = /^\s+at .+[(:]\d+/m;

interface Run { code: number | null; stdout: string; stderr: string }
interface Started { child: ChildProcess; done: Promise<Run>; stdout: () => string; stderr: () => string }

const children = new Set<ChildProcess>();

function start(args: string[], env: Record<string, string>, cwd: string): Started {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => { stdout += String(chunk); });
  child.stderr!.on('data', (chunk) => { stderr += String(chunk); });
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

async function jobs(args: string[], env: Record<string, string>, cwd: string, timeoutMs = 30000): Promise<Run> {
  const { child, done } = start(args, env, cwd);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

const describeRun = (run: Run) => `exit ${run.code}\n--- stdout\n${run.stdout.slice(0, 3000)}\n--- stderr\n${run.stderr.slice(0, 3000)}`;

describe('jobs stats, retry, jobs, queue (real processes, Redis and PostgreSQL)', function () {
  this.timeout(120000);
  let cwd: string;
  let databaseUrl: string;
  let env: Record<string, string>;
  let pool: pg.Pool | undefined;
  let target: TestHttpServer | undefined;

  beforeEach(async () => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'nself-jobs-ops-'));
    databaseUrl = await createTestDatabase('cli_ops');
    env = {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.homedir(), JOBS_REDIS_URL: testRedisUrl(),
      DATABASE_URL: databaseUrl, JOBS_QUEUE_PREFIX: uniquePrefix('cliops'), JOBS_PROCESSOR_PATHS: TEST_KIT_DIR,
      JOBS_RETRY_DELAY: '100', LOG_LEVEL: 'warn',
    };
  });
  afterEach(async () => {
    for (const child of children) child.kill('SIGKILL');
    children.clear();
    await target?.close();
    target = undefined;
    await pool?.end();
    pool = undefined;
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  const db = () => (pool ??= new pg.Pool({ connectionString: databaseUrl, max: 2 }));
  const statusOf = async (id: string) => (await db().query('SELECT status FROM jobs WHERE id = $1', [id])).rows[0]?.status;
  const ok = async (...args: string[]) => {
    const run = await jobs(args, env, cwd);
    expect(run.code, describeRun(run)).to.equal(0);
    return run;
  };
  const json = async (...args: string[]) => JSON.parse((await ok(...args, '--json')).stdout);
  const refused = async (code: number, ...args: string[]) => {
    const run = await jobs(args, env, cwd);
    expect(run.code, describeRun(run)).to.equal(code);
    expect(run.stderr, 'no stack trace').to.not.match(STACK_LINE);
    return run;
  };
  const add = async (type: string, payload: unknown, ...extra: string[]) => (await ok('add', type, '--payload', JSON.stringify(payload), ...extra)).stdout.trim();

  /** `jobs dev` on the test Redis and database: API, workers and /metrics in one process. */
  async function startDev(): Promise<{ url: string; dev: Started }> {
    const dev = start(['dev', '--json', '--port', '0'], env, cwd);
    const url = await Promise.race([
      waitFor(() => {
        const line = dev.stdout().split('\n').find((l) => l.startsWith('{'));
        return line ? (JSON.parse(line) as { url: string }).url : undefined;
      }, 'jobs dev to be ready', 30000),
      dev.done.then((run) => { throw new Error(`jobs dev exited early: ${describeRun(run)}`); }),
    ]);
    return { url, dev };
  }

  it('after succeeding and failing http-request jobs: stats --performance, retry --show, retry once fixed, and /metrics agree', async () => {
    let fixed = false;
    target = await startHttpServer(async (req, res) => {
      await new Promise((r) => setTimeout(r, 20)); // a measurable duration
      res.statusCode = req.url!.startsWith('/fail') && !fixed ? 500 : 200;
      res.end();
    });
    const { url } = await startDev();
    const enqueue = async (pathName: string) => {
      const reply = await fetch(`${url}/api/jobs`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'http-request', payload: { url: `${target!.url}${pathName}` }, options: { maxRetries: 0 } }),
      });
      expect(reply.status).to.equal(201);
      return ((await reply.json()) as { id: string }).id;
    };
    const okIds = [await enqueue('/ok/1'), await enqueue('/ok/2'), await enqueue('/ok/3')];
    const failIds = [await enqueue('/fail/1'), await enqueue('/fail/2')];
    await waitFor(async () => (await Promise.all([...okIds, ...failIds].map(statusOf))).every((s) => s === 'completed' || s === 'failed'), 'every job to finish');

    const stats = await json('stats', '--performance');
    const type = stats.types.find((t: { type: string }) => t.type === 'http-request');
    expect(type).to.include({ count: 5, completed: 3, failed: 2, failureRate: 0.4 });
    for (const key of ['p50DurationMs', 'p95DurationMs', 'maxDurationMs']) expect(type[key], key).to.be.at.least(20);
    expect(type.maxDurationMs).to.be.at.least(type.p95DurationMs).and.at.least(type.p50DurationMs);
    expect(type.throughputPerMinute).to.be.closeTo(3 / (24 * 60), 1e-4);
    expect(stats.queues.default).to.include({ waiting: 0, active: 0, completed: 3, failed: 2, paused: false });
    expect(stats.history.default).to.deep.equal({ completed: 3, failed: 2 });
    const human = (await ok('stats', '--performance')).stdout;
    expect(human).to.match(/^QUEUE\s+WAITING\s+ACTIVE\s+DELAYED\s+COMPLETED\s+FAILED\s+PAUSED$/m);
    expect(human).to.match(/^http-request\s+5\s+3\s+2\s+40\.0%/m);

    const show = await json('retry', '--show');
    expect(show.jobs.map((j: { id: string }) => j.id).sort()).to.deep.equal([...failIds].sort());
    expect((await ok('retry', '--show')).stdout).to.contain(failIds[0]);
    expect(await Promise.all(failIds.map(statusOf)), '--show changes nothing').to.deep.equal(['failed', 'failed']);

    const metricsBefore = await (await fetch(`${url}/metrics`)).text();
    const labels = { queue: 'default', type: 'http-request' };
    expect(sample(metricsBefore, 'nself_jobs_completed_total', labels)).to.equal(3);
    expect(sample(metricsBefore, 'nself_jobs_failed_total', labels)).to.equal(2);
    expect(sample(metricsBefore, 'nself_jobs_enqueued_total', labels)).to.equal(5);

    fixed = true;
    const retried = await json('retry');
    expect(retried.retried.map((r: { id: string }) => r.id).sort()).to.deep.equal([...failIds].sort());
    expect(retried.refused).to.deep.equal([]);
    await waitFor(async () => (await Promise.all(failIds.map(statusOf))).every((s) => s === 'completed'), 'the retried jobs to complete');

    const after = await json('stats', '--performance');
    expect(after.types.find((t: { type: string }) => t.type === 'http-request')).to.include({ count: 5, completed: 5, failed: 0, failureRate: 0 });
    expect((await json('retry', '--show')).jobs).to.deep.equal([]);
    const metricsAfter = await (await fetch(`${url}/metrics`)).text();
    expect(sample(metricsAfter, 'nself_jobs_completed_total', labels)).to.equal(5);
    expect(sample(metricsAfter, 'nself_jobs_failed_total', labels)).to.equal(2);
    expect(sample(metricsAfter, 'nself_jobs_queue_jobs', { queue: 'default', state: 'waiting' })).to.equal(0);
    const shown = await json('jobs', 'show', failIds[0]);
    expect(shown).to.include({ status: 'completed', attempts_made: 2 });
    expect(shown.failures).to.have.length(1);
  });

  it('retry re-creates a job the backend no longer holds; --id of a completed job is refused (exit 2); the worker serves its metrics', async () => {
    const worker = start(['worker', 'default', '--metrics-port', '0'], env, cwd);
    await waitFor(() => worker.stderr().includes('jobs worker: consuming'), 'the worker to start', 20000);
    const metricsUrl = await waitFor(() => /metrics at (\S+)/.exec(worker.stderr())?.[1], 'the metrics URL');
    const id = await add('flaky', { failTimes: 1 }, '--max-retries', '0');
    await waitFor(async () => (await statusOf(id)) === 'failed', 'the job to fail');
    // Remove it from the backend, as retention would.
    const { Queue } = await import('bullmq');
    const queue = new Queue('default', { connection: { url: testRedisUrl() }, prefix: env.JOBS_QUEUE_PREFIX });
    try {
      expect(await queue.remove(id)).to.equal(1);
    } finally {
      await queue.close();
    }
    const run = await ok('retry', '--id', id);
    expect(run.stdout).to.match(/re-created from the record/);
    await waitFor(async () => ['completed', 'failed'].includes(await statusOf(id)), 'the re-created job to run');

    const done = await add('echo', {});
    await waitFor(async () => (await statusOf(done)) === 'completed', 'the echo job');
    const metrics = await (await fetch(metricsUrl)).text();
    expect(sample(metrics, 'nself_jobs_completed_total', { queue: 'default', type: 'echo' })).to.equal(1);
    expect(sample(metrics, 'nself_jobs_failed_total', { queue: 'default', type: 'flaky' })).to.be.at.least(1);
    const refusal = await refused(2, 'retry', '--id', done);
    expect(refusal.stderr).to.match(/cannot be retried: it completed successfully/);
    expect((await refused(2, 'retry', '--id', '00000000-0000-4000-8000-000000000000')).stderr).to.match(/no job with id/);
  });

  it('jobs list/show, cancel of a delayed job and of a running one', async () => {
    const worker = start(['worker', 'default'], env, cwd);
    await waitFor(() => worker.stderr().includes('jobs worker: consuming'), 'the worker to start', 20000);

    const delayed = await add('echo', { d: 1 }, '--delay', '600000');
    const list = await json('jobs', 'list', '--status', 'delayed');
    expect(list.jobs.map((j: { id: string }) => j.id)).to.deep.equal([delayed]);
    expect((await ok('jobs', 'list')).stdout).to.match(new RegExp(`^${delayed}\\s+echo\\s+default\\s+delayed`, 'm'));
    expect((await ok('jobs', 'show', delayed)).stdout).to.match(/^status:\s+delayed$/m);

    expect((await ok('jobs', 'cancel', delayed)).stdout).to.match(/cancelled .* removed from its queue/);
    expect(await statusOf(delayed)).to.equal('cancelled');
    expect((await refused(2, 'jobs', 'cancel', delayed)).stderr).to.match(/already cancelled/);

    const running = await add('sleep', { ms: 30000 });
    await waitFor(async () => (await statusOf(running)) === 'active', 'the sleep job to run');
    const cancel = await json('jobs', 'cancel', running);
    expect(cancel).to.include({ status: 'cancelled', how: 'stopped' });
    await waitFor(async () => (await statusOf(running)) === 'cancelled', 'the record to say cancelled');
  });

  it('jobs promote, queue pause and resume, unknown queues refused', async () => {
    const worker = start(['worker', 'default'], env, cwd);
    await waitFor(() => worker.stderr().includes('jobs worker: consuming'), 'the worker to start', 20000);
    const later = await add('echo', { p: 1 }, '--delay', '600000');
    expect((await ok('jobs', 'promote', later)).stdout).to.match(/promoted .* due now/);
    await waitFor(async () => (await statusOf(later)) === 'completed', 'the promoted job to run');
    expect((await refused(2, 'jobs', 'promote', later)).stderr).to.match(/only delayed jobs can be promoted/);

    expect(await json('queue', 'pause', 'default')).to.deep.equal({ queue: 'default', paused: true });
    const held = await add('echo', {});
    await new Promise((r) => setTimeout(r, 500));
    expect(await statusOf(held)).to.equal('waiting');
    const stats = await json('stats', '--queue', 'default');
    expect(stats.queues.default).to.include({ paused: true, waiting: 1 });
    expect((await ok('queue', 'resume', 'default')).stdout).to.match(/resumed/);
    await waitFor(async () => (await statusOf(held)) === 'completed', 'the held job to run after resume');
    expect((await refused(2, 'queue', 'pause', 'nope')).stderr).to.match(/unknown queue "nope"; known queues: /);
    expect((await refused(2, 'stats', '--queue', 'nope')).stderr).to.match(/unknown queue "nope"/);
  });

  it('stats and queue pause exit 4 naming the address when Redis does not answer', async () => {
    const down = { ...env, JOBS_REDIS_URL: 'redis://127.0.0.1:1' };
    const runs = await Promise.all([jobs(['stats'], down, cwd), jobs(['queue', 'pause', 'default'], down, cwd)]);
    for (const run of runs) {
      expect(run.code, describeRun(run)).to.equal(4);
      expect(run.stderr).to.match(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
      expect(run.stderr).to.not.match(STACK_LINE);
    }
  });

  it('stats --watch redraws until Ctrl-C, then exits 0', async () => {
    const watch = start(['stats', '--watch', '--json', '--interval', '1'], env, cwd);
    await waitFor(() => watch.stdout().split('\n').filter((l) => l.startsWith('{')).length >= 2, 'two redraws', 20000);
    watch.child.kill('SIGINT');
    const run = await watch.done;
    expect(run.code, describeRun(run)).to.equal(0);
    const frames = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(frames[0]).to.have.keys('at', 'hours', 'queue', 'queues', 'history');
    expect(frames[1].at > frames[0].at).to.equal(true);
  });
});
