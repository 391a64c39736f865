import { expect } from 'chai';
import type { Runtime } from '@nself-jobs/runtime';
import { backendCount, recordCount, startTestRuntime, startTestServer, type Reply, type TestServer } from './support.js';

type Detail = { path: string; message: string };

const HOURLY = { name: 'hourly', type: 'echo', cron: '0 * * * *', payload: { hello: 'world' } };

describe('server: /api/schedules (real runtime, real HTTP)', function () {
  this.timeout(30000);
  let t: TestServer;

  before(async () => {
    t = await startTestServer();
  });
  after(() => t?.close());
  beforeEach(async () => {
    await t.runtime.pool.query(`DELETE FROM ${t.runtime.quotedSchema}.job_schedules`);
  });

  const scheduleNames = async () => (await t.runtime.schedules.list()).map((s) => s.name);
  const create = async (body: unknown) => t.call('POST', '/api/schedules', { body });
  function expectError(reply: Reply, status: number, code: string): void {
    expect(reply.status, reply.text).to.equal(status);
    expect(reply.body.error.code, reply.text).to.equal(code);
    expect(reply.body.error.message).to.be.a('string').and.not.equal('');
  }

  describe('POST /api/schedules', () => {
    it('creates a schedule (201) with its next five runs', async () => {
      const reply = await create({ ...HOURLY, timezone: 'Europe/Paris', description: 'every hour', missedPolicy: 'once', options: { priority: 'high' } });
      expect(reply.status, reply.text).to.equal(201);
      expect(reply.body).to.include({ name: 'hourly', type: 'echo', queue: 'default', cron: '0 * * * *', timezone: 'Europe/Paris', enabled: true, missedPolicy: 'once', description: 'every hour', runCount: 0 });
      expect(reply.body.payload).to.deep.equal({ hello: 'world' });
      expect(reply.body.options).to.deep.equal({ priority: 'high' });
      expect(reply.body.nextRuns).to.have.length(5);
      expect(reply.body.nextRuns[0]).to.equal(reply.body.nextRunAt);
      expect(Date.parse(reply.body.nextRuns[1]) - Date.parse(reply.body.nextRuns[0])).to.equal(3600_000);
      expect(await scheduleNames()).to.deep.equal(['hourly']);
    });

    it('is 409 SCHEDULE_EXISTS for a name in use, and the first schedule is unchanged', async () => {
      expect((await create(HOURLY)).status).to.equal(201);
      const reply = await create({ ...HOURLY, cron: '*/5 * * * *' });
      expectError(reply, 409, 'SCHEDULE_EXISTS');
      expect((await t.runtime.schedules.get('hourly')).cron).to.equal('0 * * * *');
    });

    const rejections: Array<{ name: string; body: unknown; status: number; code: string; paths?: string[]; says?: string }> = [
      { name: 'unknown fields (400 naming them)', body: { ...HOURLY, jobId: 'x', every: 5 }, status: 400, code: 'BODY_INVALID', paths: ['/jobId', '/every'] },
      { name: 'a wrong cron expression (400 with the reason)', body: { ...HOURLY, cron: '61 * * * *' }, status: 400, code: 'OPTIONS_INVALID', paths: ['/cron'] },
      { name: 'an unknown time zone (400 with the reason)', body: { ...HOURLY, timezone: 'Mars/Olympus' }, status: 400, code: 'OPTIONS_INVALID', paths: ['/timezone'], says: 'Mars/Olympus' },
      { name: 'a missing name', body: { type: 'echo', cron: '* * * * *' }, status: 400, code: 'OPTIONS_INVALID', paths: ['/name'] },
      { name: 'a bad missed-run policy', body: { ...HOURLY, missedPolicy: 'sometimes' }, status: 400, code: 'OPTIONS_INVALID', paths: ['/missedPolicy'] },
      { name: 'an unknown job type (422)', body: { ...HOURLY, type: 'no-such-type' }, status: 422, code: 'UNKNOWN_TYPE' },
      { name: 'a payload the type refuses (422)', body: { ...HOURLY, type: 'sleep', payload: { ms: 'long' } }, status: 422, code: 'PAYLOAD_INVALID' },
      { name: 'a body that is not an object', body: ['hourly'], status: 400, code: 'BODY_INVALID' },
    ];
    for (const c of rejections) {
      it(`refuses ${c.name}; nothing is stored`, async () => {
        const reply = await create(c.body);
        expectError(reply, c.status, c.code);
        if (c.paths) expect(reply.body.error.details.map((d: Detail) => d.path)).to.include.members(c.paths);
        for (const path of c.paths ?? []) expect(reply.body.error.message).to.contain(path.slice(1));
        if (c.says) expect(reply.body.error.message).to.contain(c.says);
        expect(await scheduleNames()).to.deep.equal([]);
      });
    }

    it('refuses a request without a JSON body (400)', async () => {
      expectError(await t.call('POST', '/api/schedules'), 400, 'BODY_INVALID');
      expect(await scheduleNames()).to.deep.equal([]);
    });
  });

  describe('GET /api/schedules and /api/schedules/:name', () => {
    it('lists every schedule by name, each with its next run', async () => {
      await create({ ...HOURLY, name: 'b-hourly' });
      await create({ ...HOURLY, name: 'a-off', enabled: false });
      const reply = await t.call('GET', '/api/schedules');
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body.schedules.map((s: { name: string }) => s.name)).to.deep.equal(['a-off', 'b-hourly']);
      expect(reply.body.schedules[0].nextRunAt).to.equal(null);
      expect(Date.parse(reply.body.schedules[1].nextRunAt)).to.be.greaterThan(Date.now());
    });

    it('shows one schedule with the next five run times', async () => {
      await create({ ...HOURLY, cron: '0 9 * * *', timezone: 'America/New_York' });
      const reply = await t.call('GET', '/api/schedules/hourly');
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body).to.include({ name: 'hourly', cron: '0 9 * * *', timezone: 'America/New_York' });
      expect(reply.body.nextRuns).to.have.length(5);
      expect(reply.body.nextRuns[0]).to.equal(reply.body.nextRunAt);
      for (const run of reply.body.nextRuns) expect(new Date(run).getUTCHours()).to.be.oneOf([13, 14]); // 9:00 EDT / EST
    });

    it('is 404 SCHEDULE_NOT_FOUND for an unknown name', async () => {
      expectError(await t.call('GET', '/api/schedules/nope'), 404, 'SCHEDULE_NOT_FOUND');
    });
  });

  describe('GET /api/schedules/preview', () => {
    it('returns the next run times (5 by default) of an expression in a time zone', async () => {
      const reply = await t.call('GET', `/api/schedules/preview?cron=${encodeURIComponent('30 2 * * *')}&tz=Europe/Berlin`);
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body).to.include({ cron: '30 2 * * *', timezone: 'Europe/Berlin', count: 5 });
      expect(reply.body.runs).to.have.length(5);
      for (const run of reply.body.runs) expect(new Date(run).getUTCMinutes()).to.equal(30);
    });

    it('takes count from 1 to 50 and UTC by default', async () => {
      const reply = await t.call('GET', `/api/schedules/preview?cron=${encodeURIComponent('*/15 * * * *')}&count=50`);
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body.timezone).to.equal('UTC');
      expect(reply.body.runs).to.have.length(50);
      expect(Date.parse(reply.body.runs[1]) - Date.parse(reply.body.runs[0])).to.equal(15 * 60_000);
      const one = await t.call('GET', '/api/schedules/preview?cron=0+0+1+1+*&count=1');
      expect(one.body.runs).to.have.length(1);
      expect(one.body.runs[0]).to.match(/-01-01T00:00:00\.000Z$/);
    });

    const bad: Array<{ name: string; query: string; code: string; path: string }> = [
      { name: 'a wrong cron expression', query: `cron=${encodeURIComponent('* * * *')}`, code: 'OPTIONS_INVALID', path: '/cron' },
      { name: 'an unknown time zone', query: `cron=${encodeURIComponent('* * * * *')}&tz=Nowhere/Atlantis`, code: 'OPTIONS_INVALID', path: '/timezone' },
      { name: 'a missing cron', query: 'tz=UTC', code: 'PARAMETER_INVALID', path: 'cron' },
      { name: 'count 0', query: 'cron=*+*+*+*+*&count=0', code: 'PARAMETER_INVALID', path: 'count' },
      { name: 'count 51', query: 'cron=*+*+*+*+*&count=51', code: 'PARAMETER_INVALID', path: 'count' },
      { name: 'count not a number', query: 'cron=*+*+*+*+*&count=many', code: 'PARAMETER_INVALID', path: 'count' },
      { name: 'an unknown parameter', query: 'cron=*+*+*+*+*&timezone=UTC', code: 'PARAMETER_INVALID', path: 'timezone' },
    ];
    for (const c of bad) {
      it(`is 400 for ${c.name}, with the reason`, async () => {
        const reply = await t.call('GET', `/api/schedules/preview?${c.query}`);
        expectError(reply, 400, c.code);
        expect(reply.body.error.details.map((d: Detail) => d.path)).to.include(c.path);
      });
    }
  });

  describe('PATCH /api/schedules/:name', () => {
    it('changes only the given fields, enabling and disabling included', async () => {
      await create(HOURLY);
      const off = await t.call('PATCH', '/api/schedules/hourly', { body: { enabled: false } });
      expect(off.status, off.text).to.equal(200);
      expect(off.body).to.include({ enabled: false, nextRunAt: null, cron: '0 * * * *' });
      expect(off.body.payload).to.deep.equal({ hello: 'world' });

      const on = await t.call('PATCH', '/api/schedules/hourly', { body: { enabled: true, cron: '*/10 * * * *', description: 'ten', payload: { n: 1 } } });
      expect(on.status, on.text).to.equal(200);
      expect(on.body).to.include({ enabled: true, cron: '*/10 * * * *', description: 'ten' });
      expect(on.body.payload).to.deep.equal({ n: 1 });
      expect(new Date(on.body.nextRunAt).getUTCMinutes() % 10).to.equal(0);
      expect(on.body.nextRuns).to.have.length(5);
      expect(await t.runtime.schedules.get('hourly')).to.include({ enabled: true, cron: '*/10 * * * *' });
    });

    it('refuses a bad change with the reason and leaves the schedule as it was', async () => {
      await create(HOURLY);
      expectError(await t.call('PATCH', '/api/schedules/hourly', { body: { cron: 'every hour' } }), 400, 'OPTIONS_INVALID');
      expectError(await t.call('PATCH', '/api/schedules/hourly', { body: { timezone: 'Moon/Base' } }), 400, 'OPTIONS_INVALID');
      const renamed = await t.call('PATCH', '/api/schedules/hourly', { body: { name: 'daily', enabled: false } });
      expectError(renamed, 400, 'BODY_INVALID');
      expect(renamed.body.error.details.map((d: Detail) => d.path)).to.deep.equal(['/name']);
      expectError(await t.call('PATCH', '/api/schedules/hourly', { body: { limit: 3 } }), 400, 'BODY_INVALID');
      expectError(await t.call('PATCH', '/api/schedules/hourly', { body: { type: 'no-such-type' } }), 422, 'UNKNOWN_TYPE');
      expect(await t.runtime.schedules.get('hourly')).to.include({ cron: '0 * * * *', timezone: 'UTC', enabled: true, type: 'echo' });
      expect(await scheduleNames()).to.deep.equal(['hourly']);
    });

    it('is 404 for an unknown name', async () => {
      expectError(await t.call('PATCH', '/api/schedules/nope', { body: { enabled: false } }), 404, 'SCHEDULE_NOT_FOUND');
      expect(await scheduleNames()).to.deep.equal([]);
    });
  });

  describe('DELETE /api/schedules/:name', () => {
    it('deletes (204, no body), then 404', async () => {
      await create(HOURLY);
      const reply = await t.call('DELETE', '/api/schedules/hourly');
      expect(reply.status, reply.text).to.equal(204);
      expect(reply.text).to.equal('');
      expect(await scheduleNames()).to.deep.equal([]);
      expectError(await t.call('DELETE', '/api/schedules/hourly'), 404, 'SCHEDULE_NOT_FOUND');
    });
  });

  describe('POST /api/schedules/:name/run', () => {
    it('creates one job now (201, no body needed) recorded with the schedule\'s name, also when disabled', async () => {
      await create({ ...HOURLY, enabled: false });
      const reply = await t.call('POST', '/api/schedules/hourly/run');
      expect(reply.status, reply.text).to.equal(201);
      expect(reply.body).to.include({ type: 'echo', queue: 'default', existing: false, scheduleName: 'hourly' });
      expect(reply.body.id).to.match(/^[0-9a-f-]{36}$/);
      const { rows } = await t.runtime.pool.query('SELECT schedule_name, payload FROM jobs WHERE id = $1', [reply.body.id]);
      expect(rows).to.deep.equal([{ schedule_name: 'hourly', payload: { hello: 'world' } }]);
      const job = await t.call('GET', `/api/jobs/${reply.body.id}`);
      expect(job.body.schedule_name).to.equal('hourly');
      const schedule = await t.call('GET', '/api/schedules/hourly');
      expect(schedule.body).to.include({ runCount: 1, lastJobId: reply.body.id, enabled: false, nextRunAt: null });
    });

    it('is 404 for an unknown schedule, and nothing is recorded or queued', async () => {
      const before = [await recordCount(t.runtime), await backendCount(t.runtime)];
      expectError(await t.call('POST', '/api/schedules/nope/run'), 404, 'SCHEDULE_NOT_FOUND');
      expect([await recordCount(t.runtime), await backendCount(t.runtime)]).to.deep.equal(before);
    });
  });

  it('requires the API key like every /api route', async () => {
    const keyed = await startTestServer({ JOBS_API_KEY: 'k'.repeat(32) });
    try {
      expect((await keyed.call('GET', '/api/schedules')).status).to.equal(401);
      expect((await keyed.call('GET', '/api/schedules/preview?cron=*+*+*+*+*')).status).to.equal(401);
      expect((await keyed.call('POST', '/api/schedules/x/run')).status).to.equal(401);
      const ok = await keyed.call('GET', '/api/schedules', { headers: { authorization: `Bearer ${'k'.repeat(32)}` } });
      expect(ok.status, ok.text).to.equal(200);
    } finally {
      await keyed.close();
    }
  });
});

describe('default cleanup schedules (seeded once per database)', function () {
  this.timeout(30000);
  const opened: Runtime[] = [];
  after(async () => {
    for (const r of opened) await r.close(1000);
  });
  const open = async (env: Record<string, string> = {}) => {
    const runtime = await startTestRuntime(env);
    opened.push(runtime);
    return runtime;
  };
  const markers = async (runtime: Runtime) => (await runtime.pool.query(
    `SELECT name FROM ${runtime.quotedSchema}.nself_jobs_migrations WHERE package = '@nself-jobs/runtime:seed'`)).rows;

  it('are created at the first start of a scheduler, and never again after deletion (another process included)', async () => {
    const first = await open();
    expect(first.registry.get('file-cleanup'), 'file-cleanup is a built-in type').to.not.equal(undefined);
    expect(await first.schedules.list()).to.deep.equal([]);
    await first.startScheduler();
    const seeded = await first.schedules.list();
    expect(seeded.map((s) => [s.name, s.type, s.cron, s.timezone, s.enabled])).to.deep.equal([
      ['cleanup-completed', 'file-cleanup', '0 3 * * *', 'UTC', true],
      ['cleanup-failed', 'file-cleanup', '30 3 * * *', 'UTC', true],
    ]);
    expect(seeded.map((s) => s.payload)).to.deep.equal([{ target: 'completed_jobs' }, { target: 'failed_jobs' }]);
    expect(await markers(first)).to.deep.equal([{ name: 'default-cleanup-schedules' }]);

    await first.schedules.delete('cleanup-completed');
    await first.schedules.update('cleanup-failed', { cron: '0 4 * * 0' });
    const url = first.config.database.connectionString as string;
    const second = await open({ DATABASE_URL: url });
    await second.startScheduler();
    const third = await open({ DATABASE_URL: url });
    await third.startScheduler();
    const after = await second.schedules.list();
    expect(after.map((s) => [s.name, s.cron])).to.deep.equal([['cleanup-failed', '0 4 * * 0']]);
    expect(await markers(second)).to.have.length(1);
  });

  it('are created exactly once when several schedulers start at the same moment', async () => {
    const first = await open();
    const url = first.config.database.connectionString as string;
    const others = await Promise.all([open({ DATABASE_URL: url }), open({ DATABASE_URL: url })]);
    await Promise.all([first, ...others].map((r) => r.startScheduler()));
    expect((await first.schedules.list()).map((s) => s.name)).to.deep.equal(['cleanup-completed', 'cleanup-failed']);
    expect(await markers(first)).to.have.length(1);
  });

  it('are not created with defaultSchedules: false (and are created by a later start without it)', async () => {
    const runtime = await open();
    await runtime.startScheduler({ defaultSchedules: false });
    expect(await runtime.schedules.list()).to.deep.equal([]);
    expect(await markers(runtime)).to.deep.equal([]);
    const later = await open({ DATABASE_URL: runtime.config.database.connectionString as string });
    await later.startScheduler();
    expect((await later.schedules.list()).map((s) => s.name)).to.deep.equal(['cleanup-completed', 'cleanup-failed']);
  });
});
