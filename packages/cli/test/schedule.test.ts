import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import { createTestDatabase, testRedisUrl, uniquePrefix } from '@nself-jobs/test-helpers';

/** The real `jobs` binary (build first) against the shared test Redis and a fresh database. */
const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const TEST_KIT_DIR = fileURLToPath(new URL('../../runtime/test/fixtures/processors/test-kit', import.meta.url));
const STACK_LINE = /^\s+at .+[(:]\d+/m;

interface Run { code: number | null; stdout: string; stderr: string }

function jobs(args: string[], env: Record<string, string>, cwd: string, timeoutMs = 20000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += String(chunk); });
    child.stderr.on('data', (chunk) => { stderr += String(chunk); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) reject(new Error(`jobs ${args.join(' ')} killed (${signal})\n${stdout}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

const describeRun = (run: Run) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

describe('jobs schedule (real process, real Redis and PostgreSQL)', function () {
  // Each command is a cold Node process (about 1.5 s on an idle machine): the full tour makes about 20.
  this.timeout(180000);
  let cwd: string;
  let databaseUrl: string;
  let env: Record<string, string>;
  let pool: pg.Pool | undefined;

  beforeEach(async () => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'nself-jobs-schedule-'));
    databaseUrl = await createTestDatabase('cli_sched');
    env = {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.homedir(), JOBS_REDIS_URL: testRedisUrl(),
      DATABASE_URL: databaseUrl, JOBS_QUEUE_PREFIX: uniquePrefix('clisched'), JOBS_PROCESSOR_PATHS: TEST_KIT_DIR, LOG_LEVEL: 'warn',
    };
  });
  afterEach(async () => {
    await pool?.end();
    pool = undefined;
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  const db = () => (pool ??= new pg.Pool({ connectionString: databaseUrl, max: 2 }));
  const run = (...args: string[]) => jobs(args, env, cwd);
  async function ok(...args: string[]): Promise<Run> {
    const result = await run(...args);
    expect(result.code, describeRun(result)).to.equal(0);
    return result;
  }
  const json = async (...args: string[]) => JSON.parse((await ok(...args, '--json')).stdout);
  /** The stored schedules ([] also when no command ever reached the database). */
  const scheduleRows = async () => {
    const { rows: [{ table }] } = await db().query(`SELECT to_regclass('job_schedules') AS table`);
    return table ? (await db().query('SELECT name FROM job_schedules')).rows : [];
  };

  it('create / list / show / disable / enable / run / delete, with --json, in both spellings', async () => {
    const created = await json('schedule', 'create', '--name', 'heartbeat', '--type', 'echo', '--cron', '*/2 * * * * *',
      '--payload', '{"beat":1}', '--priority', 'high', '--desc', 'every two seconds', '--missed', 'once', '--tz', 'Europe/Paris');
    expect(created).to.include({ name: 'heartbeat', type: 'echo', cron: '*/2 * * * * *', timezone: 'Europe/Paris', enabled: true,
      missedPolicy: 'once', description: 'every two seconds', queue: 'default' });
    expect(created.options).to.deep.equal({ priority: 'high' });
    expect(created.payload).to.deep.equal({ beat: 1 });
    await ok('schedule:create', '--name', 'nightly', '--type', 'echo', '--cron', '30 2 * * *', '--tz', 'America/New_York');

    const list = await json('schedule:list');
    expect(list.map((s: { name: string }) => s.name)).to.deep.equal(['heartbeat', 'nightly']);
    const table = (await ok('schedule', 'list')).stdout.split('\n').filter(Boolean);
    expect(table[0]).to.match(/^NAME\s+TYPE\s+CRON\s+TIME ZONE\s+ENABLED\s+MISSED\s+NEXT RUN\s+LAST RUN\s+RUNS$/);
    expect(table[1]).to.match(/^heartbeat\s+echo\s+\*\/2 \* \* \* \* \*\s+Europe\/Paris\s+yes\s+once\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+\s+-\s+0$/);
    expect(table[1].indexOf('echo')).to.equal(table[2].indexOf('echo'), 'columns aligned');

    const shown = await json('schedule', 'show', 'nightly');
    expect(shown.nextRuns).to.have.length(5);
    for (const iso of shown.nextRuns) {
      expect(new Date(iso).toLocaleTimeString('en-GB', { timeZone: 'America/New_York' })).to.match(/^0[23]:[03]0:00$/);
    }
    expect(shown.nextRuns[0]).to.equal(shown.nextRunAt);
    const human = (await ok('schedule:show', 'nightly')).stdout;
    expect(human).to.match(/^cron:\s+30 2 \* \* \*$/m).and.match(/^next runs:$/m);
    expect(human.split('\n').filter((l) => /^ {2}\d{4}-/.test(l))).to.have.length(5);

    const disabled = await json('schedule', 'disable', 'heartbeat');
    expect(disabled).to.include({ enabled: false, nextRunAt: null });
    expect((await ok('schedule:disable', 'heartbeat')).stdout).to.match(/disabled heartbeat/);
    const enabledAt = Date.now();
    const enabled = await json('schedule:enable', 'heartbeat');
    expect(enabled.enabled).to.equal(true);
    expect(Date.parse(enabled.nextRunAt)).to.be.greaterThan(enabledAt);

    const job = await json('schedule', 'run', 'heartbeat');
    expect(job.id).to.match(/^[0-9a-f-]{36}$/);
    const { rows } = await db().query('SELECT schedule_name, priority, payload FROM jobs WHERE id = $1', [job.id]);
    expect(rows[0]).to.deep.equal({ schedule_name: 'heartbeat', priority: 'high', payload: { beat: 1 } });
    expect((await ok('schedule:run', 'heartbeat')).stdout.trim()).to.match(/^[0-9a-f-]{36}$/);

    expect((await json('schedule', 'delete', 'heartbeat')).name).to.equal('heartbeat');
    expect((await ok('schedule:delete', 'nightly')).stdout).to.match(/deleted nightly/);
    expect(await scheduleRows()).to.deep.equal([]);
    expect((await ok('schedule', 'list')).stdout).to.match(/no schedules/);
  });

  describe('refusals: exit 2, the reason on stderr, nothing stored', () => {
    const base = ['schedule', 'create', '--name', 'bad'];
    const cases: Array<[string, string[], RegExp]> = [
      ['a wrong cron expression', ['--type', 'echo', '--cron', '61 * * * *'], /\/cron: .*61.*0-59/],
      ['a cron with too few fields', ['--type', 'echo', '--cron', '* * *'], /\/cron: has 3 fields/],
      ['an unknown time zone', ['--type', 'echo', '--cron', '* * * * *', '--tz', 'Mars/Olympus'], /\/timezone: unknown time zone "Mars\/Olympus"/],
      ['an unknown job type', ['--type', 'nope', '--cron', '* * * * *'], /unknown job type "nope"/],
      ['a payload against the schema', ['--type', 'sleep', '--cron', '* * * * *', '--payload', '{"ms":"x"}'], /\/payload\/ms/],
      ['a payload that is not JSON', ['--type', 'echo', '--cron', '* * * * *', '--payload', '{nope'], /--payload: not valid JSON/],
    ];
    for (const [what, extra, message] of cases) {
      it(what, async () => {
        const result = await run(...base, ...extra);
        expect(result.code, describeRun(result)).to.equal(2);
        expect(result.stderr).to.match(message);
        expect(result.stderr).to.not.match(STACK_LINE);
        expect(result.stdout).to.equal('');
        expect(await scheduleRows()).to.deep.equal([]);
      });
    }

    it('a duplicate name and unknown names', async () => {
      await ok('schedule', 'create', '--name', 'once', '--type', 'echo', '--cron', '0 0 * * *');
      const duplicate = await run('schedule', 'create', '--name', 'once', '--type', 'echo', '--cron', '* * * * *');
      expect(duplicate.code, describeRun(duplicate)).to.equal(2);
      expect(duplicate.stderr).to.match(/a schedule named "once" already exists/);
      expect((await db().query('SELECT cron FROM job_schedules')).rows).to.deep.equal([{ cron: '0 0 * * *' }]);
      const commands = ['show', 'enable', 'disable', 'delete', 'run'];
      const runs = await Promise.all(commands.map((command) => run('schedule', command, 'ghost')));
      for (const missing of runs) {
        expect(missing.code, describeRun(missing)).to.equal(2);
        expect(missing.stderr).to.match(/no schedule named "ghost"/);
      }
    });
  });
});
