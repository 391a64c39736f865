import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import { discoverProcessors, loadConfig } from '@nself-jobs/runtime';
import { createTestDatabase, testRedisUrl, uniquePrefix, waitFor } from '@nself-jobs/test-helpers';

/**
 * The "done": `jobs processors new greet`, build it, `jobs plugins install ./greet`, `jobs add
 * greet` with a worker running gives a completed job whose result came from the new package, and
 * `jobs plugins uninstall greet` removes it. Real processes, real npm, Redis and PostgreSQL.
 */
const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const REPO_NODE_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));
const TSC = path.join(REPO_NODE_MODULES, 'typescript', 'bin', 'tsc');
const MOCHA = path.join(REPO_NODE_MODULES, 'mocha', 'bin', 'mocha.js');
const BROKEN_MANIFEST = fileURLToPath(new URL('../../runtime/test/plugins/fixtures/broken-manifest', import.meta.url));
const STACK_LINE = /^\s+at .+[(:]\d+/m;

interface Run { code: number | null; stdout: string; stderr: string }

const children = new Set<ChildProcess>();

function start(command: string, args: string[], env: Record<string, string>, cwd: string) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => { stdout += String(chunk); });
  child.stderr!.on('data', (chunk) => { stderr += String(chunk); });
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => { children.delete(child); resolve({ code, stdout, stderr }); });
  });
  return { child, done, stderr: () => stderr };
}

async function run(command: string, args: string[], env: Record<string, string>, cwd: string, timeoutMs = 40000): Promise<Run> {
  const { child, done } = start(command, args, env, cwd);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

const describeRun = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;

describe('jobs processors new / plugins install / add / worker / plugins uninstall (end to end)', function () {
  this.timeout(90000);

  let tmp: string;
  let env: Record<string, string>;
  let pool: pg.Pool;
  const jobs = (args: string[]) => run(process.execPath, [BIN, ...args], env, tmp);
  const row = async (id: string) => (await pool.query(
    'SELECT j.status, r.result FROM jobs j LEFT JOIN job_results r ON r.job_id = j.id WHERE j.id = $1', [id])).rows[0] as
    { status: string; result: unknown } | undefined;

  before(async () => {
    // Outside the repository, with a node_modules of its own (here: the repository's, linked),
    // as a package author's checkout would have after `npm install`.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nself-jobs-scaffold-'));
    fs.symlinkSync(REPO_NODE_MODULES, path.join(tmp, 'node_modules'), 'dir');
    const databaseUrl = await createTestDatabase('cli_plugins');
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.homedir(),
      JOBS_REDIS_URL: testRedisUrl(),
      DATABASE_URL: databaseUrl,
      JOBS_QUEUE_PREFIX: uniquePrefix('cliplug'),
      JOBS_DATA_DIR: path.join(tmp, 'data'),
      LOG_LEVEL: 'warn',
    };
    pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  });

  afterEach(() => {
    for (const child of children) child.kill('SIGKILL');
    children.clear();
  });

  after(async () => {
    await pool?.end();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('`jobs processors new greet` scaffolds a package that builds with tsc and passes its own tests', async () => {
    const created = await jobs(['processors', 'new', 'greet']);
    expect(created.code, describeRun(created)).to.equal(0);
    const dir = path.join(tmp, 'greet');
    for (const file of ['package.json', 'tsconfig.json', 'README.md', '.gitignore', '.mocharc.json', 'schemas/payload.schema.json', 'src/index.ts', 'test/contract.test.ts', 'test/process.test.ts']) {
      expect(fs.existsSync(path.join(dir, file)), file).to.equal(true);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg.nselfJobs).to.deep.include({ manifestVersion: 1, runtime: '^1.0.0' });
    expect(pkg.nselfJobs.processors[0]).to.include({ type: 'greet', entry: './dist/index.js' });
    expect(pkg.dependencies).to.deep.equal({ '@nself-jobs/sdk': '^1.0.0' });
    expect(created.stdout).to.contain('jobs plugins install ./greet');

    const built = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], env, dir);
    expect(built.code, describeRun(built)).to.equal(0);
    expect(fs.existsSync(path.join(dir, 'dist', 'index.js'))).to.equal(true);
    const tested = await run(process.execPath, [MOCHA], env, dir);
    expect(tested.code, describeRun(tested)).to.equal(0);
    expect(tested.stdout).to.match(/processor contract/).and.match(/\b7 passing/).and.not.match(/failing|pending/);

  });

  it('`jobs plugins install ./greet`, then `jobs add greet` with a worker running completes with the package\'s result', async () => {
    const installed = await jobs(['plugins', 'install', './greet']);
    expect(installed.code, describeRun(installed)).to.equal(0);
    expect(installed.stdout).to.match(/^Installed jobs-processor-greet@0\.1\.0: job type greet$/m);
    expect(installed.stdout).to.match(/Restart running `jobs worker`/);

    const [plugins, processors] = await Promise.all([jobs(['plugins:list', '--json']), jobs(['processors:list', 'greet', '--schema', '--json'])]);
    expect(plugins.code, describeRun(plugins)).to.equal(0);
    const [plugin] = JSON.parse(plugins.stdout);
    expect(plugin).to.include({ name: 'jobs-processor-greet', version: '0.1.0', source: 'path', location: path.join(tmp, 'greet') });
    expect(plugin.types).to.deep.equal(['greet']);
    expect(processors.code, describeRun(processors)).to.equal(0);
    const [greet] = JSON.parse(processors.stdout);
    expect(greet).to.include({ type: 'greet', package: 'jobs-processor-greet', version: '0.1.0', source: 'installed', queue: 'default' });
    expect(greet.schema.examples).to.deep.equal([{ name: 'Ada' }, { name: 'Grace Hopper' }]);

    const worker = start(process.execPath, [BIN, 'worker'], env, tmp);
    await Promise.race([
      waitFor(() => worker.stderr().includes('jobs worker: consuming'), 'the worker to start', 30000),
      worker.done.then((r) => { throw new Error(`the worker exited early: ${describeRun(r)}`); }),
    ]);
    // The second job waits an hour: the uninstall below must find it unfinished.
    const [added, delayed] = await Promise.all([
      jobs(['add', 'greet', '--payload', '{"name":"Ada"}']),
      jobs(['add', 'greet', '--payload', '{"name":"Grace"}', '--delay', '3600000']),
    ]);
    expect(added.code, describeRun(added)).to.equal(0);
    expect(delayed.code, describeRun(delayed)).to.equal(0);
    const id = added.stdout.trim();
    const done = await waitFor(async () => {
      const r = await row(id);
      return r?.status === 'completed' ? r : undefined;
    }, 'the greet job to complete', 30000);
    expect(done.result).to.deep.equal({ message: 'Hello, Ada!' });
    worker.child.kill('SIGTERM');
    expect((await worker.done).code).to.equal(0);
  });

  it('`jobs plugins uninstall greet` is refused while a greet job waits; --force removes it', async () => {
    const refused = await jobs(['plugins', 'uninstall', 'greet']);
    expect(refused.code, describeRun(refused)).to.equal(1);
    expect(refused.stderr).to.match(/^Error: jobs-processor-greet was not uninstalled: the record has unfinished jobs of its types \(1 delayed greet\)/m);
    expect(refused.stderr).to.not.match(STACK_LINE);

    const forced = await jobs(['plugins', 'uninstall', 'greet', '--force']);
    expect(forced.code, describeRun(forced)).to.equal(0);
    expect(forced.stdout).to.match(/^Uninstalled jobs-processor-greet@0\.1\.0 \(job types greet\)$/m);
    const registry = await discoverProcessors(loadConfig({ cwd: tmp, env }));
    expect(registry.get('greet')).to.equal(undefined);
    expect(fs.existsSync(path.join(tmp, 'data', 'plugins', 'node_modules', 'jobs-processor-greet'))).to.equal(false);
  });

  it('`jobs plugins install` of a broken package exits 1 with the reason, and installs nothing', async () => {
    const refused = await jobs(['plugins', 'install', BROKEN_MANIFEST]);
    expect(refused.code, describeRun(refused)).to.equal(1);
    expect(refused.stderr).to.match(/^Error: @acme\/jobs-processor-broken was not installed: .*invalid nselfJobs manifest/m);
    expect(refused.stderr).to.match(/nselfJobs\.processors\[0\]\.type: must match pattern/);
    expect(refused.stderr).to.not.match(STACK_LINE);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'data', 'plugins', 'package.json'), 'utf8')).dependencies)
      .to.have.all.keys('@nself-jobs/sdk', '@nself-jobs/runtime');
  });
});
