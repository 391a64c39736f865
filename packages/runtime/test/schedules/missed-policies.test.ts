import { expect } from 'chai';
import sinon from 'sinon';
import { waitFor } from '@nself-jobs/test-helpers';
import { JobsError } from '../../src/errors.js';
import type { Runtime } from '../../src/runtime.js';
import { MAX_CATCH_UP, MISSED_GRACE_MS } from '../../src/schedules/missed-runs.js';
import { occurrenceKey } from '../../src/schedules/schedule-runner.js';
import { startTestRuntime } from '../support/test-runtime.js';
import { backendJobCount, expectEveryOccurrenceOnce, occurrenceOf, scheduledJobs, sleep } from './schedule-helpers.js';

/**
 * Missed runs: next_run_at is put in the past by SQL (as if every scheduler had been down),
 * then a running scheduler claims the schedule and applies its policy.
 */
describe('schedules: missed runs and failures (real Redis and PostgreSQL)', function () {
  this.timeout(30000);
  let runtime: Runtime;

  beforeEach(async () => {
    runtime = await startTestRuntime();
  });
  afterEach(async () => {
    sinon.restore();
    await runtime?.close(1000);
  });

  /** Creates a disabled schedule, then enables it by SQL as if it had been due at `dueAt`; starts the scheduler. */
  async function downSince(name: string, cron: string, policy: string, dueAt: string): Promise<void> {
    await runtime.schedules.create({ name, type: 'echo', cron, missedPolicy: policy, enabled: false });
    await runtime.startScheduler();
    await runtime.pool.query(`UPDATE job_schedules SET enabled = true, next_run_at = $2 WHERE name = $1`, [name, dueAt]);
    await waitFor(async () => {
      const { rows } = await runtime.pool.query('SELECT next_run_at > now() AS ahead FROM job_schedules WHERE name = $1', [name]);
      return rows[0].ahead;
    }, 'the scheduler to claim it', 5000);
  }

  // Yearly on 1 January: never on time while this test runs, so only the policy decides.
  const yearly = '0 0 1 1 *';
  const thisYear = new Date().getUTCFullYear();
  const newYear = (year: number) => `${year}-01-01T00:00:00.000Z`;

  it('skip (the default): no job for missed occurrences; next run from now', async () => {
    await downSince('skipper', yearly, 'skip', newYear(2020));
    expect(await scheduledJobs(runtime.pool, 'skipper')).to.deep.equal([]);
    const schedule = await runtime.schedules.get('skipper');
    expect(schedule.nextRunAt).to.equal(newYear(thisYear + 1));
    expect(schedule.runCount).to.equal(0);
  });

  it('once: one catch-up job, for the latest missed occurrence', async () => {
    await downSince('oncer', yearly, 'once', newYear(2020));
    const jobs = await scheduledJobs(runtime.pool, 'oncer');
    expect(jobs.map((j) => j.idempotency_key)).to.deep.equal([occurrenceKey('oncer', new Date(newYear(thisYear)))]);
    expect(await runtime.schedules.get('oncer')).to.include({ nextRunAt: newYear(thisYear + 1), runCount: 1, lastJobId: jobs[0].id, lastRunAt: newYear(thisYear) });
  });

  it('all: one job per missed occurrence', async () => {
    await downSince('aller', yearly, 'all', newYear(2020));
    const jobs = await scheduledJobs(runtime.pool, 'aller');
    expect(jobs.map((j) => new Date(occurrenceOf(j)).toISOString()))
      .to.deep.equal(Array.from({ length: thisYear - 2020 + 1 }, (_, i) => newYear(2020 + i)));
    expect((await runtime.schedules.get('aller')).runCount).to.equal(jobs.length);
  });

  it(`all is bounded: at most ${MAX_CATCH_UP} catch-ups (the most recent), then on as usual`, async () => {
    const start = Date.now();
    const tenMinutesAgo = new Date(start - 600_000).toISOString();
    await downSince('flood', '* * * * * *', 'all', tenMinutesAgo);
    await sleep(1500);
    await runtime.schedules.setEnabled('flood', false);
    const jobs = await scheduledJobs(runtime.pool, 'flood');
    const times = expectEveryOccurrenceOnce(jobs, 1000);
    // Occurrences older than the grace when the scheduler claimed (a moment after `start`) are catch-ups.
    expect(times.filter((t) => t < start - MISSED_GRACE_MS).length).to.be.within(MAX_CATCH_UP - 3, MAX_CATCH_UP);
    expect(times[0]).to.be.greaterThan(Date.parse(tenMinutesAgo) + 60_000); // the oldest were dropped
    expect(await backendJobCount(runtime.queue('default'))).to.equal(jobs.length);
  });

  it('a crash between enqueueing and advancing the row: the next claim finds the same job, no second one', async () => {
    await runtime.schedules.create({ name: 'crashy', type: 'echo', cron: '*/2 * * * * *', enabled: false });
    const due = new Date(Math.ceil((Date.now() + 500) / 2000) * 2000);
    // What the crashed process left behind: the occurrence's job, and the row still due at that occurrence.
    const orphan = await runtime.producer.enqueue({ type: 'echo', options: { idempotencyKey: occurrenceKey('crashy', due) } }, 'crashy');
    await runtime.pool.query(`UPDATE job_schedules SET enabled = true, next_run_at = $1 WHERE name = 'crashy'`, [due]);
    await runtime.startScheduler();
    await waitFor(async () => (await runtime.schedules.get('crashy')).runCount >= 1, 'the claim', 6000);
    const jobs = await scheduledJobs(runtime.pool, 'crashy');
    expect(jobs[0].id).to.equal(orphan.id);
    expect(new Set(jobs.map((j) => j.idempotency_key)).size).to.equal(jobs.length);
    expect((await runtime.schedules.get('crashy')).lastJobId).to.be.oneOf(jobs.map((j) => j.id));
    expect(await backendJobCount(runtime.queue('default'))).to.equal(jobs.length);
  });

  it('the backend refusing an enqueue: the row stays due and the same occurrence is retried, once', async () => {
    const enqueueMany = runtime.producer.enqueueMany.bind(runtime.producer);
    let refusals = 0;
    sinon.stub(runtime.producer, 'enqueueMany').callsFake(async (requests, name) => {
      if (refusals === 0) {
        refusals += 1;
        throw new JobsError('BACKEND_UNAVAILABLE', 'could not queue the job: connection is closed');
      }
      return enqueueMany(requests, name);
    });
    await runtime.startScheduler();
    const created = await runtime.schedules.create({ name: 'retry', type: 'echo', cron: '*/2 * * * * *' });
    const jobs = await waitFor(async () => {
      const found = await scheduledJobs(runtime.pool, 'retry');
      return found.length >= 1 ? found : null;
    }, 'the retried occurrence', 6000);
    expect(refusals).to.equal(1);
    expect(occurrenceOf(jobs[0])).to.equal(Date.parse(created.nextRunAt!)); // the refused one, late but not lost
  });

  it('a schedule whose job became invalid is skipped with an error, not retried forever, and others still run', async () => {
    await runtime.schedules.create({ name: 'broken-payload', type: 'echo', cron: '* * * * * *' });
    await runtime.pool.query(`UPDATE job_schedules SET type = 'uninstalled' WHERE name = 'broken-payload'`);
    await runtime.schedules.create({ name: 'broken-cron', type: 'echo', cron: '* * * * * *' });
    await runtime.pool.query(`UPDATE job_schedules SET cron = 'not a cron', next_run_at = now() WHERE name = 'broken-cron'`);
    await runtime.schedules.create({ name: 'healthy', type: 'echo', cron: '* * * * * *' });
    await runtime.startScheduler();
    await sleep(2500);
    expect((await scheduledJobs(runtime.pool, 'healthy')).length).to.be.at.least(2);
    expect(await scheduledJobs(runtime.pool, 'broken-payload')).to.deep.equal([]);
    const payload = await runtime.schedules.get('broken-payload');
    expect(Date.parse(payload.nextRunAt!)).to.be.greaterThan(Date.now() - 1500); // advanced past each refused occurrence
    expect(await scheduledJobs(runtime.pool, 'broken-cron')).to.deep.equal([]);
  });
});
