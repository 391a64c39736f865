import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import pg from 'pg';
import { waitFor } from '@nself-jobs/test-helpers';
import type { RuntimeConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/logger.js';
import { PluginManager, type PluginError } from '../../src/plugins/index.js';
import { Runtime } from '../../src/runtime.js';
import { jobRow, testConfig } from '../support/test-runtime.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const FIXTURE_NAMES = ['hello', 'hello-v2', 'broken-manifest', 'duplicate-type', 'future-runtime', 'bad-schema', 'failing-migration'];
const HELLO = '@acme/jobs-processor-hello';

/** `npm pack` of every fixture in one npm run (one process start instead of seven). */
async function packFixtures(out: string): Promise<Record<string, string>> {
  await promisify(execFile)('npm', ['pack', ...FIXTURE_NAMES.map((n) => path.join(FIXTURES, n)), '--pack-destination', out,
    '--loglevel=error', '--no-audit', '--no-fund'], { cwd: out });
  const files = await readdir(out);
  const byName: Record<string, string> = {};
  for (const name of FIXTURE_NAMES) {
    const pkg = JSON.parse(await readFile(path.join(FIXTURES, name, 'package.json'), 'utf8')) as { name: string; version: string };
    const file = `${pkg.name.replace('@', '').replace('/', '-')}-${pkg.version}.tgz`;
    expect(files, `npm pack made ${file}`).to.include(file);
    byName[name] = path.join(out, file);
  }
  return byName;
}

async function expectRefused(promise: Promise<unknown>, code: string, message: RegExp): Promise<PluginError> {
  let error: PluginError | undefined;
  try {
    await promise;
  } catch (caught) {
    error = caught as PluginError;
  }
  expect(error, 'refused').to.be.an('error');
  expect(error!.code, error!.message).to.equal(code);
  expect(error!.message).to.match(message);
  return error!;
}

describe('plugins: install from npm pack tarballs, validate, roll back, update, uninstall (real npm, PostgreSQL, Redis)', function () {
  this.timeout(60000);

  let work: string;
  let tarballs: Record<string, string>;
  let config: RuntimeConfig;
  let manager: PluginManager;
  let pool: pg.Pool;
  const runtimes: Runtime[] = [];

  const start = async () => {
    const runtime = await Runtime.start(config, { log: silentLogger(), recorder: { flushIntervalMs: 10, activeRowDelayMs: 0 } });
    runtimes.push(runtime);
    return runtime;
  };
  const pluginsDir = () => manager.dir.dir;
  const dependencies = async () => Object.keys((JSON.parse(await readFile(path.join(pluginsDir(), 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  }).dependencies).sort();

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'nself-jobs-plugins-'));
    tarballs = await packFixtures(work);
    config = await testConfig({ JOBS_DATA_DIR: path.join(work, 'data') });
    manager = new PluginManager({ config, cwd: work });
    pool = new pg.Pool({ connectionString: config.database.connectionString, max: 2 });
  });

  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.close(0)));
  });

  after(async () => {
    await pool?.end();
    await rm(work, { recursive: true, force: true });
  });

  it('installs a tarball, runs its SQL and JS migrations, and workers of a runtime started afterwards run its jobs', async () => {
    const result = await manager.install(tarballs.hello);
    expect(result.plugin).to.include({ name: HELLO, version: '1.0.0', source: 'tarball' });
    expect(result.plugin.types).to.deep.equal(['hello']);
    expect(result.migrations).to.deep.equal(['0001-hello-log', '0002-seed']);
    expect((await pool.query('SELECT name FROM hello_log')).rows).to.deep.equal([{ name: 'seed' }]);
    // Our SDK is linked in, not fetched: the plugin's "@nself-jobs/sdk": "^1.0.0" is deduped against it.
    expect(await dependencies()).to.deep.equal(['@acme/jobs-processor-hello', '@nself-jobs/runtime', '@nself-jobs/sdk']);
    expect(existsSync(path.join(pluginsDir(), 'node_modules', HELLO, 'node_modules'))).to.equal(false);

    const runtime = await start();
    expect(runtime.registry.require('hello')).to.include({ source: 'installed', packageName: HELLO });
    await runtime.startWorkers({ queues: ['default'], concurrency: 2, scheduler: false, reconcile: false });
    const job = await runtime.producer.enqueue({ type: 'hello', payload: { name: 'Ada' } });
    const row = await waitFor(async () => {
      const r = await jobRow(runtime.pool, job.id);
      return r?.status === 'completed' ? r : undefined;
    }, 'the hello job to complete');
    expect(row.priority).to.equal('high'); // from the plugin's manifest defaults
    expect(row.result).to.deep.equal({ greeting: 'Hello, Ada', from: HELLO });
    // Its payload schema is enforced at enqueue.
    let invalid: Error | undefined;
    await runtime.producer.enqueue({ type: 'hello', payload: { name: '' } }).catch((e: Error) => { invalid = e; });
    expect(invalid).to.have.property('code', 'PAYLOAD_INVALID');
    // Left delayed in the record for the uninstall test at the end.
    await runtime.producer.enqueue({ type: 'hello', payload: { name: 'Grace' }, options: { delay: 3_600_000 } });
  });

  it('lists the plugin with its version, types and source', async () => {
    const [plugin, ...rest] = await manager.list();
    expect(rest).to.deep.equal([]);
    expect(plugin).to.include({ name: HELLO, version: '1.0.0', source: 'tarball', location: tarballs.hello });
    expect(plugin.types).to.deep.equal(['hello']);
    expect(plugin.problem).to.equal(undefined);
  });

  // Refusals: each with its own message, and nothing left installed. In parallel, each in a plugins
  // directory of its own (npm's start-up dominates), against the same database.
  it('refuses a broken manifest, a duplicate type, an incompatible runtime range, a schema that does not compile and a failing migration', async () => {
    const cases: Array<[string, RegExp]> = [
      ['broken-manifest', /@acme\/jobs-processor-broken was not installed: .*invalid nselfJobs manifest[^]*nselfJobs\.processors\[0\]\.payloadSchema: is required/],
      ['duplicate-type', /was not installed: job type "http-request" is declared by two packages: @nself-jobs\/processor-http-request@1\.0\.0 \(builtin, .*\) and @acme\/jobs-processor-http@1\.0\.0 \(installed/],
      ['future-runtime', /@acme\/jobs-processor-future was not installed: .*requires @nself-jobs\/runtime \^2\.0\.0, but this runtime is 1\.\d+\.\d+/],
      ['bad-schema', /@acme\/jobs-processor-bad-schema was not installed: .*payload schema \.\/payload\.schema\.json of job type "bad-schema" does not compile/],
      ['failing-migration', /@acme\/jobs-processor-failing-migration was not installed: migration 0001-broken of @acme\/jobs-processor-failing-migration failed \(rolled back\): function no_such_function\(\) does not exist/],
    ];
    await Promise.all(cases.map(async ([fixture, message]) => {
      const own = new PluginManager({
        config: await testConfig({ JOBS_DATA_DIR: path.join(work, `data-${fixture}`), DATABASE_URL: config.database.connectionString! }),
      });
      const error = await expectRefused(own.install(tarballs[fixture]), 'PLUGIN_REFUSED', message);
      const others = cases.filter(([f]) => f !== fixture).map(([, m]) => m);
      expect(others.filter((m) => m.test(error.message)), `${fixture}: a message of its own`).to.deep.equal([]);
      expect(await own.list(), fixture).to.deep.equal([]);
      expect(existsSync(path.join(own.dir.dir, 'node_modules', '@acme')), `${fixture}: node_modules/@acme`).to.equal(false);
      expect(await readdir(path.join(own.dir.dir, 'tarballs')), `${fixture}: tarballs`).to.deep.equal([]);
    }));
    expect((await pool.query(`SELECT to_regclass('failing_log') AS t`)).rows[0].t, 'the failed migration\'s table').to.equal(null);
  });

  it('a refused install leaves an existing plugins directory as it was, byte for byte', async () => {
    const files = ['package.json', 'package-lock.json', 'node_modules/.package-lock.json'];
    const read = () => Promise.all(files.map((f) => readFile(path.join(pluginsDir(), f), 'utf8')));
    const before = await read();
    const modulesBefore = await readdir(path.join(pluginsDir(), 'node_modules'), { recursive: true });
    await expectRefused(manager.install(tarballs['duplicate-type']), 'PLUGIN_REFUSED', /declared by two packages/);
    expect(await read()).to.deep.equal(before);
    expect(await readdir(path.join(pluginsDir(), 'node_modules'), { recursive: true })).to.deep.equal(modulesBefore);
    expect((await manager.list()).map((p) => p.name)).to.deep.equal([HELLO]);
  });

  it('a path that is not a package, before touching anything', async () => {
    await expectRefused(manager.install('./no-such-dir'), 'PLUGIN_SPEC_INVALID', /cannot install \.\/no-such-dir: .* does not exist/);
  });

  it('updates from where it was installed, then refuses an older version whose migrations the database outgrew', async () => {
    const older = path.join(work, 'hello-1.0.0-again.tgz');
    await copyFile(tarballs.hello, older);
    await copyFile(tarballs['hello-v2'], tarballs.hello); // the file it was installed from now holds 2.0.0
    const [updated] = await manager.update('hello');
    expect(updated).to.not.have.property('error');
    if ('error' in updated) return;
    expect(updated).to.deep.include({ previousVersion: '1.0.0', migrations: ['0003-hello-log-at'] });
    expect(updated.plugin.version).to.equal('2.0.0');

    // 1.0.0 again, from another tarball: the database has 0003, which 1.0.0 does not know.
    await expectRefused(manager.install(older), 'PLUGIN_REFUSED',
      /was not installed: .*@acme\/jobs-processor-hello@1\.0\.0 .*has migrations of @acme\/jobs-processor-hello that this version does not know: 0003-hello-log-at/);
    // Rolled back to 2.0.0 (npm brings the replaced version back).
    expect((await manager.list())[0]).to.include({ version: '2.0.0' });
  });

  it('a worker refuses to start on a database a newer version of a package migrated, naming the package', async () => {
    const older = path.join(work, 'hello-1.0.0-again.tgz');
    await manager.install(older, { migrate: false });
    expect((await manager.list())[0]).to.include({ version: '1.0.0' });
    let refused: Error | undefined;
    await start().catch((e: Error) => { refused = e; });
    expect(refused).to.have.property('code', 'MIGRATIONS_UNKNOWN');
    expect(refused!.message).to.match(/@acme\/jobs-processor-hello@1\.0\.0 .*does not know: 0003-hello-log-at/);
  });

  it('refuses to uninstall while a job waits; --force removes it and keeps its tables', async () => {
    await expectRefused(manager.uninstall('hello'), 'PLUGIN_IN_USE',
      /@acme\/jobs-processor-hello was not uninstalled: the record has unfinished jobs of its types \(1 delayed hello\).*--force/);
    expect((await manager.list()).map((p) => p.name)).to.deep.equal([HELLO]);

    const removed = await manager.uninstall(HELLO, { force: true });
    expect(removed).to.deep.include({ name: HELLO, version: '1.0.0', types: ['hello'], leftJobs: 1 });
    expect(await manager.list()).to.deep.equal([]);
    expect(existsSync(path.join(pluginsDir(), 'node_modules', HELLO))).to.equal(false);
    expect(await dependencies()).to.deep.equal(['@nself-jobs/runtime', '@nself-jobs/sdk']);
    expect(await readdir(path.join(pluginsDir(), 'tarballs'))).to.deep.equal([]);
    expect((await pool.query(`SELECT to_regclass('hello_log') AS t`)).rows[0].t).to.equal('hello_log');
    // A runtime started now no longer knows the type.
    const next = await start();
    expect(next.registry.get('hello')).to.equal(undefined);
  });

  it('uninstalling what is not installed says what is', async () => {
    await expectRefused(manager.uninstall('nope'), 'PLUGIN_NOT_INSTALLED', /no installed plugin is called nope; installed plugins: none/);
  });
});
