import { expect } from 'chai';
import { waitFor } from '@nself-jobs/test-helpers';
import type { Runtime } from '../../src/runtime.js';
import { startTestRuntime } from '../support/test-runtime.js';
import { backendJobCount, expectEveryOccurrenceOnce, scheduledJobs, sleep } from './schedule-helpers.js';

/**
 * The scheduler against real Redis and PostgreSQL, in real time: each occurrence gives exactly
 * one job, whoever runs the scheduler, however many of them, across restarts and changes.
 */
describe('schedules: the scheduler fires each occurrence exactly once (real Redis and PostgreSQL)', function () {
  this.timeout(40000);
  const runtimes: Runtime[] = [];

  async function start(env: Record<string, string> = {}): Promise<Runtime> {
    const runtime = await startTestRuntime(env);
    runtimes.push(runtime);
    return runtime;
  }
  /** Another runtime on the same database and queue prefix: another process of the same deployment. */
  const sameDeployment = (runtime: Runtime) => ({
    DATABASE_URL: runtime.config.database.connectionString!, JOBS_QUEUE_PREFIX: runtime.config.queuePrefix,
  });
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.close(1000)));
  });

  async function stopAndCount(runtime: Runtime, name: string) {
    await runtime.schedules.setEnabled(name, false); // waits for a pass holding the row
    const jobs = await scheduledJobs(runtime.pool, name);
    const schedule = await runtime.schedules.get(name);
    expect(schedule.runCount, 'run_count').to.equal(jobs.length);
    expect(await backendJobCount(runtime.queue('default')), 'jobs in the backend').to.equal(jobs.length);
    return jobs;
  }

  it('a per-second schedule fires every second in a 4 s window, each once', async () => {
    const runtime = await start();
    await runtime.startScheduler();
    const created = await runtime.schedules.create({ name: 'tick', type: 'echo', cron: '* * * * * *' });
    const first = Date.parse(created.nextRunAt!);
    await sleep(first + 4000 - Date.now() + 300);
    const disabledAt = Date.now();
    const jobs = await stopAndCount(runtime, 'tick');
    const times = expectEveryOccurrenceOnce(jobs, 1000);
    expect(times[0]).to.equal(first);
    const due = Math.floor((disabledAt - first) / 1000) + 1; // occurrences from the first to the disable
    expect(jobs.length).to.be.within(due - 2, due); // the last one or two may still be in flight on a loaded machine
    expect(jobs.length).to.be.at.least(5);
  });

  it('three runtimes started at once on the same database and prefix: one job per occurrence', async () => {
    const a = await start();
    await a.schedules.create({ name: 'shared', type: 'echo', cron: '* * * * * *' });
    const [b, c] = await Promise.all([start(sameDeployment(a)), start(sameDeployment(a))]);
    await Promise.all([a, b, c].map((r) => r.startScheduler()));
    await sleep(4200);
    const jobs = await stopAndCount(a, 'shared');
    expectEveryOccurrenceOnce(jobs, 1000);
    expect(jobs.length).to.be.at.least(4);
  });

  it('a restart in the middle (close one runtime, start another) keeps the count right', async () => {
    const a = await start();
    await a.startScheduler();
    const created = await a.schedules.create({ name: 'steady', type: 'echo', cron: '* * * * * *' });
    await waitFor(async () => (await scheduledJobs(a.pool, 'steady')).length >= 2, 'two runs before the restart', 5000);
    const env = sameDeployment(a);
    await a.close();
    runtimes.splice(runtimes.indexOf(a), 1);
    await sleep(1200); // down for more than one occurrence
    const b = await start(env);
    await b.startScheduler();
    await sleep(2200);
    const disabledAt = Date.now();
    const jobs = await stopAndCount(b, 'steady');
    const times = expectEveryOccurrenceOnce(jobs, 1000); // the occurrence due while down ran late, once
    expect(times[0]).to.equal(Date.parse(created.nextRunAt!));
    expect(times.at(-1)!).to.be.within(disabledAt - 3000, disabledAt);
  });

  it('disable then enable right after each run adds no job', async () => {
    const runtime = await start();
    await runtime.startScheduler();
    await runtime.schedules.create({ name: 'flip', type: 'echo', cron: '* * * * * *' });
    for (let round = 1; round <= 3; round += 1) {
      await waitFor(async () => (await runtime.schedules.get('flip')).runCount >= round, `run ${round}`, 5000, 10);
      await runtime.schedules.setEnabled('flip', false);
      await runtime.schedules.setEnabled('flip', true);
    }
    await sleep(1100);
    const jobs = await stopAndCount(runtime, 'flip');
    const times = jobs.map((j) => Date.parse(j.idempotency_key!.split(':').slice(2).join(':')));
    expect(new Set(times).size).to.equal(jobs.length);
    for (const time of times) expect(time % 1000).to.equal(0);
  });

  it('a schedule created by another process is picked up at once (NOTIFY, not the poll)', async () => {
    const a = await start();
    await a.startScheduler({ pollMs: 60_000 }); // only a notification can wake it in time
    const b = await start(sameDeployment(a)); // no scheduler: like `jobs schedule create`
    const created = await b.schedules.create({ name: 'remote', type: 'echo', cron: '*/2 * * * * *' });
    const due = Date.parse(created.nextRunAt!);
    await waitFor(async () => (await scheduledJobs(a.pool, 'remote')).length >= 1, 'the first run', 5000, 20);
    expect(Date.now() - due, 'ms late').to.be.lessThan(3000);
  });

  it('a change made by SQL + NOTIFY is picked up at once: next_run_at NULL is recomputed from the new cron', async () => {
    const runtime = await start();
    await runtime.schedules.create({ name: 'yearly', type: 'echo', cron: '0 0 1 1 *' });
    await runtime.startScheduler({ pollMs: 60_000 }); // only the notification can wake it in time
    await runtime.pool.query(`UPDATE job_schedules SET cron = '* * * * * *', next_run_at = NULL WHERE name = 'yearly'`);
    await runtime.pool.query(`NOTIFY nself_jobs_schedules, 'yearly'`);
    const jobs = await waitFor(async () => {
      const found = await scheduledJobs(runtime.pool, 'yearly');
      return found.length >= 2 ? found : null;
    }, 'runs of the new cron', 6000);
    expectEveryOccurrenceOnce(jobs, 1000);
    const schedule = await runtime.schedules.get('yearly');
    expect(Date.parse(schedule.nextRunAt!) - Date.now()).to.be.lessThan(1500);
  });

  it('a change made by plain SQL (no NOTIFY) is picked up by the poll, within about a second', async () => {
    const runtime = await start();
    await runtime.schedules.create({ name: 'sql', type: 'echo', cron: '0 0 1 1 *', missedPolicy: 'once' });
    await runtime.startScheduler();
    await sleep(300);
    const changedAt = Date.now();
    await runtime.pool.query(`UPDATE job_schedules SET next_run_at = now() WHERE name = 'sql'`);
    await waitFor(async () => (await scheduledJobs(runtime.pool, 'sql')).length === 1, 'the run', 6000, 20);
    expect(Date.now() - changedAt).to.be.lessThan(3000);
  });

  it('started by startWorkers: jobs run and are recorded with the schedule\'s name; close() stops it', async () => {
    const runtime = await start();
    await runtime.startWorkers({ queues: ['default'] });
    await runtime.schedules.create({ name: 'heartbeat', type: 'echo', cron: '*/2 * * * * *', payload: { beat: true } });
    const done = await waitFor(async () => {
      const { rows } = await runtime.pool.query(`SELECT j.status, r.result FROM jobs j JOIN job_results r ON r.job_id = j.id
        WHERE j.schedule_name = 'heartbeat' AND j.status = 'completed'`);
      return rows.length >= 2 ? rows : null;
    }, 'two completed heartbeats', 8000);
    expect(done[0].result).to.deep.include({ payload: { beat: true } });
    await runtime.close(1000);
    runtimes.splice(runtimes.indexOf(runtime), 1);
  });
});
