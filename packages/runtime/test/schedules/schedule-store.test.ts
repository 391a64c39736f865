import { expect } from 'chai';
import pg from 'pg';
import { JobsError } from '../../src/errors.js';
import { Runtime } from '../../src/runtime.js';
import { startTestRuntime } from '../support/test-runtime.js';

async function refused(fn: () => Promise<unknown> | unknown): Promise<JobsError> {
  try {
    await fn();
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(JobsError);
    return error as JobsError;
  }
  throw new Error('expected a JobsError, but the call succeeded');
}

const paths = (error: JobsError) => (error.details as Array<{ path: string }>).map((d) => d.path);

describe('schedules: the store (validation, CRUD, notifications; real PostgreSQL)', () => {
  let runtime: Runtime;
  const base = { name: 'nightly', type: 'echo', cron: '0 3 * * *', timezone: 'Europe/Paris', payload: { hello: 'world' } };

  beforeEach(async () => {
    runtime = await startTestRuntime();
  });
  afterEach(() => runtime?.close(1000));

  const rowCount = async () => Number((await runtime.pool.query('SELECT count(*) AS n FROM job_schedules')).rows[0].n);

  it('create stores every field, with the defaults and the next run in the schedule\'s zone', async () => {
    const created = await runtime.schedules.create({ ...base, description: 'every night', options: { priority: 'high', maxRetries: 2 } });
    expect(created).to.include({ name: 'nightly', type: 'echo', queue: 'default', cron: '0 3 * * *', timezone: 'Europe/Paris',
      description: 'every night', enabled: true, missedPolicy: 'skip', runCount: 0, lastRunAt: null, lastJobId: null });
    expect(created.payload).to.deep.equal({ hello: 'world' });
    expect(created.options).to.deep.equal({ priority: 'high', maxRetries: 2 });
    const next = new Date(created.nextRunAt!);
    expect(next.getTime()).to.be.greaterThan(Date.now());
    expect(next.toLocaleTimeString('en-GB', { timeZone: 'Europe/Paris' })).to.equal('03:00:00');
    expect(await runtime.schedules.get('nightly')).to.deep.equal(created);
    expect((await runtime.schedules.list()).map((s) => s.name)).to.deep.equal(['nightly']);
  });

  describe('bad input: a clear coded error and nothing stored', () => {
    const cases: Array<[string, Record<string, unknown>, string, string, RegExp]> = [
      ['cron out of range', { cron: '61 * * * *' }, 'OPTIONS_INVALID', '/cron', /61.*0-59/],
      ['cron with 4 fields', { cron: '* * * *' }, 'OPTIONS_INVALID', '/cron', /4 fields/],
      ['cron garbage', { cron: 'every day' }, 'OPTIONS_INVALID', '/cron', /cron/],
      ['unknown time zone', { timezone: 'Mars/Olympus' }, 'OPTIONS_INVALID', '/timezone', /unknown time zone "Mars\/Olympus"/],
      ['bad name', { name: 'has space' }, 'OPTIONS_INVALID', '/name', /letters, digits/],
      ['missed policy', { missedPolicy: 'sometimes' }, 'OPTIONS_INVALID', '/missedPolicy', /skip, once, all/],
      ['option not for schedules', { options: { delay: 5 } }, 'OPTIONS_INVALID', '/options/delay', /unknown field/],
      ['bad priority', { options: { priority: 'urgent' } }, 'OPTIONS_INVALID', '/options/priority', /critical, high, normal, low/],
      ['bad timeout', { options: { timeout: 0 } }, 'OPTIONS_INVALID', '/options/timeout', /integer/],
      ['unknown queue', { queue: 'nope' }, 'OPTIONS_INVALID', '/queue', /unknown queue "nope"/],
      ['unknown field', { color: 'red' }, 'OPTIONS_INVALID', '/color', /unknown field/],
      ['payload against the schema', { type: 'sleep', payload: { ms: 'long' } }, 'PAYLOAD_INVALID', '/payload/ms', /integer/],
      ['payload with U+0000', { payload: { text: 'a\u0000b' } }, 'PAYLOAD_INVALID', '/payload', /U\+0000/],
    ];
    for (const [what, change, code, path, message] of cases) {
      it(what, async () => {
        const error = await refused(() => runtime.schedules.create({ ...base, ...change }));
        expect(error.code).to.equal(code);
        expect(paths(error)).to.include(path);
        expect(error.message).to.match(message);
        expect(await rowCount()).to.equal(0);
      });
    }
    it('unknown type -> UNKNOWN_TYPE naming the installed ones', async () => {
      const error = await refused(() => runtime.schedules.create({ ...base, type: 'nope' }));
      expect(error.code).to.equal('UNKNOWN_TYPE');
      expect(error.message).to.contain('"nope"').and.contain('echo');
      expect(await rowCount()).to.equal(0);
    });
    it('several problems are reported together', async () => {
      const error = await refused(() => runtime.schedules.create({ ...base, cron: 'x', timezone: 'Nowhere', name: '' }));
      expect(paths(error)).to.include.members(['/name', '/cron', '/timezone']);
    });
    it('a duplicate name -> SCHEDULE_EXISTS; the first one is unchanged', async () => {
      const first = await runtime.schedules.create(base);
      const error = await refused(() => runtime.schedules.create({ ...base, cron: '* * * * *' }));
      expect(error.code).to.equal('SCHEDULE_EXISTS');
      expect(error.message).to.contain('"nightly"');
      expect(await runtime.schedules.get('nightly')).to.deep.equal(first);
    });
    it('an invalid update stores nothing', async () => {
      const before = await runtime.schedules.create(base);
      for (const change of [{ cron: '* * 32 * *' }, { timezone: 'Atlantis/City' }, { payload: 'text' }, { type: 'nope' }, { name: 'renamed' }]) {
        await refused(() => runtime.schedules.update('nightly', change));
      }
      expect(await runtime.schedules.get('nightly')).to.deep.equal(before);
    });
    it('unknown names -> SCHEDULE_NOT_FOUND', async () => {
      for (const call of [
        () => runtime.schedules.get('ghost'), () => runtime.schedules.update('ghost', {}), () => runtime.schedules.delete('ghost'),
        () => runtime.schedules.setEnabled('ghost', true), () => runtime.schedules.runNow('ghost'),
      ]) {
        expect((await refused(call)).code).to.equal('SCHEDULE_NOT_FOUND');
      }
    });
  });

  it('update: a new cron or zone recomputes the next run; other fields keep it', async () => {
    const created = await runtime.schedules.create(base);
    const payloadOnly = await runtime.schedules.update('nightly', { payload: { v: 2 }, description: 'd' });
    expect(payloadOnly.nextRunAt).to.equal(created.nextRunAt);
    expect(payloadOnly.payload).to.deep.equal({ v: 2 });
    const retimed = await runtime.schedules.update('nightly', { timezone: 'America/New_York' });
    expect(new Date(retimed.nextRunAt!).toLocaleTimeString('en-GB', { timeZone: 'America/New_York' })).to.equal('03:00:00');
  });

  it('disable clears the next run, enable sets it from now', async () => {
    await runtime.schedules.create(base);
    const disabled = await runtime.schedules.setEnabled('nightly', false);
    expect(disabled.enabled).to.equal(false);
    expect(disabled.nextRunAt).to.equal(null);
    const enabled = await runtime.schedules.setEnabled('nightly', true);
    expect(new Date(enabled.nextRunAt!).getTime()).to.be.greaterThan(Date.now());
  });

  it('runNow enqueues one job with the schedule\'s name, even while disabled, and counts it', async () => {
    await runtime.schedules.create({ ...base, enabled: false, options: { priority: 'low' } });
    const job = await runtime.schedules.runNow('nightly');
    const { rows } = await runtime.pool.query('SELECT type, queue, priority, payload, schedule_name FROM jobs WHERE id = $1', [job.id]);
    expect(rows[0]).to.deep.equal({ type: 'echo', queue: 'default', priority: 'low', payload: { hello: 'world' }, schedule_name: 'nightly' });
    const after = await runtime.schedules.get('nightly');
    expect(after).to.include({ lastJobId: job.id, runCount: 1, nextRunAt: null });
    const { rows: overview } = await runtime.pool.query('SELECT name, total_jobs, waiting_jobs, last_job_id FROM scheduled_jobs_overview');
    expect(overview).to.deep.equal([{ name: 'nightly', total_jobs: '1', waiting_jobs: '1', last_job_id: job.id }]);
  });

  it('delete removes the schedule and keeps its jobs', async () => {
    await runtime.schedules.create(base);
    await runtime.schedules.runNow('nightly');
    const deleted = await runtime.schedules.delete('nightly');
    expect(deleted.name).to.equal('nightly');
    expect(await rowCount()).to.equal(0);
    expect(Number((await runtime.pool.query(`SELECT count(*) AS n FROM jobs WHERE schedule_name = 'nightly'`)).rows[0].n)).to.equal(1);
  });

  it('preview: the real next times, in order; bad input refused', async () => {
    expect(runtime.schedules.preview({ cron: '30 2 * * *', timezone: 'America/New_York', count: 2, from: new Date('2026-03-07T12:00:00Z') }))
      .to.deep.equal(['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
    expect(runtime.schedules.preview({ cron: '0 0 13 * 5', count: 3, from: new Date('2026-01-01T00:00:00Z') }))
      .to.deep.equal(['2026-01-02T00:00:00.000Z', '2026-01-09T00:00:00.000Z', '2026-01-13T00:00:00.000Z']);
    expect(runtime.schedules.preview({ cron: '* * * * *' })).to.have.length(5);
    const error = await refused(() => runtime.schedules.preview({ cron: '99 * * * *', timezone: 'Bad/Zone', count: 0 }));
    expect(paths(error)).to.deep.equal(['/cron', '/timezone', '/count']);
  });

  it('every change NOTIFYs nself_jobs_schedules with the name (a manual run changes no timing: no notification)', async () => {
    const listener = new pg.Client({ connectionString: runtime.config.database.connectionString });
    await listener.connect();
    const seen: string[] = [];
    listener.on('notification', (n) => seen.push(n.payload ?? ''));
    await listener.query('LISTEN nself_jobs_schedules');
    try {
      await runtime.schedules.create(base);
      await runtime.schedules.update('nightly', { description: 'x' });
      await runtime.schedules.runNow('nightly');
      await runtime.schedules.delete('nightly');
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).to.deep.equal(['nightly', 'nightly', 'nightly']);
    } finally {
      await listener.end();
    }
  });
});
