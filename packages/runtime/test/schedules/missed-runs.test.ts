import { expect } from 'chai';
import { MAX_CATCH_UP, MISSED_GRACE_MS, planDue } from '../../src/schedules/missed-runs.js';
import { CronSchedule } from '../../src/schedules/schedule-clock.js';

const d = (s: string) => new Date(s);
const iso = (dates: Date[]) => dates.map((x) => x.toISOString());
const hourly = CronSchedule.parse('0 * * * *', 'UTC');

describe('missed runs: what a claim at `now` enqueues (pure, fixed clock)', () => {
  it('nothing before the next run; the next run stays', () => {
    const plan = planDue(hourly, d('2026-01-01T10:00:00Z'), 'all', d('2026-01-01T09:59:59Z'));
    expect(plan.fire).to.deep.equal([]);
    expect(plan.next.toISOString()).to.equal('2026-01-01T10:00:00.000Z');
  });

  it('on time (within the grace): the occurrence runs, whatever the policy', () => {
    for (const policy of ['skip', 'once', 'all'] as const) {
      const plan = planDue(hourly, d('2026-01-01T10:00:00Z'), policy, d('2026-01-01T10:00:03Z'));
      expect(iso(plan.fire), policy).to.deep.equal(['2026-01-01T10:00:00.000Z']);
      expect(plan.catchUp).to.equal(0);
      expect(plan.next.toISOString()).to.equal('2026-01-01T11:00:00.000Z');
    }
  });

  it('a short outage within the grace loses nothing of a per-second schedule', () => {
    const everySecond = CronSchedule.parse('* * * * * *', 'UTC');
    const plan = planDue(everySecond, d('2026-01-01T10:00:00Z'), 'skip', d('2026-01-01T10:00:04.500Z'));
    expect(iso(plan.fire)).to.deep.equal(['00', '01', '02', '03', '04'].map((s) => `2026-01-01T10:00:${s}.000Z`));
    expect(plan.next.toISOString()).to.equal('2026-01-01T10:00:05.000Z');
  });

  describe('down from 05:30 to 09:20 (06:00, 07:00, 08:00, 09:00 missed)', () => {
    const due = d('2026-01-01T06:00:00Z');
    const now = d('2026-01-01T09:20:00Z');
    it('skip: no job; next from now', () => {
      const plan = planDue(hourly, due, 'skip', now);
      expect(plan.fire).to.deep.equal([]);
      expect(plan.skipped).to.equal(4);
      expect(plan.next.toISOString()).to.equal('2026-01-01T10:00:00.000Z');
    });
    it('once: one job, for the latest missed occurrence', () => {
      const plan = planDue(hourly, due, 'once', now);
      expect(iso(plan.fire)).to.deep.equal(['2026-01-01T09:00:00.000Z']);
      expect(plan.catchUp).to.equal(1);
      expect(plan.skipped).to.equal(3);
      expect(plan.next.toISOString()).to.equal('2026-01-01T10:00:00.000Z');
    });
    it('all: one job per missed occurrence, oldest first', () => {
      const plan = planDue(hourly, due, 'all', now);
      expect(iso(plan.fire)).to.deep.equal(['06', '07', '08', '09'].map((h) => `2026-01-01T${h}:00:00.000Z`));
      expect(plan.catchUp).to.equal(4);
      expect(plan.next.toISOString()).to.equal('2026-01-01T10:00:00.000Z');
    });
  });

  it('catch-ups come before an occurrence that is on time', () => {
    const plan = planDue(hourly, d('2026-01-01T08:00:00Z'), 'once', d('2026-01-01T10:00:02Z'));
    expect(iso(plan.fire)).to.deep.equal(['2026-01-01T09:00:00.000Z', '2026-01-01T10:00:00.000Z']);
  });

  it(`all is bounded: at most ${MAX_CATCH_UP} catch-ups, the most recent ones`, () => {
    const minutely = CronSchedule.parse('* * * * *', 'UTC');
    const plan = planDue(minutely, d('2026-01-01T00:00:00Z'), 'all', d('2026-01-01T12:00:30Z'));
    expect(plan.fire).to.have.length(MAX_CATCH_UP);
    expect(plan.fire[0].toISOString()).to.equal('2026-01-01T10:21:00.000Z');
    expect(plan.fire.at(-1)!.toISOString()).to.equal('2026-01-01T12:00:00.000Z');
    expect(plan.skippedMore).to.equal(true);
    expect(plan.next.toISOString()).to.equal('2026-01-01T12:01:00.000Z');
  });

  it('a next_run_at set to any time (by SQL) is an occurrence itself, followed by the cron\'s', () => {
    const due = d('2026-01-01T06:30:00Z');
    expect(iso(planDue(hourly, due, 'all', d('2026-01-01T08:30:00Z')).fire)).to.deep.equal(
      ['2026-01-01T06:30:00.000Z', '2026-01-01T07:00:00.000Z', '2026-01-01T08:00:00.000Z']);
    expect(iso(planDue(hourly, due, 'once', d('2026-01-01T06:50:00Z')).fire)).to.deep.equal(['2026-01-01T06:30:00.000Z']);
    expect(iso(planDue(hourly, due, 'skip', d('2026-01-01T06:30:01Z')).fire)).to.deep.equal(['2026-01-01T06:30:00.000Z']);
  });

  it('the grace is MISSED_GRACE_MS by default and can be changed', () => {
    const due = d('2026-01-01T10:00:00Z');
    const late = new Date(due.getTime() + MISSED_GRACE_MS + 1000);
    expect(planDue(hourly, due, 'skip', late).fire).to.deep.equal([]);
    expect(planDue(hourly, due, 'skip', late, MISSED_GRACE_MS + 2000).fire).to.have.length(1);
  });

  it('DST: a missed skipped-hour occurrence is caught up at its real instant', () => {
    const clock = CronSchedule.parse('30 2 * * *', 'America/New_York');
    const plan = planDue(clock, d('2026-03-08T07:00:00Z'), 'once', d('2026-03-08T12:00:00Z'));
    expect(iso(plan.fire)).to.deep.equal(['2026-03-08T07:00:00.000Z']);
    expect(plan.next.toISOString()).to.equal('2026-03-09T06:30:00.000Z');
  });
});
