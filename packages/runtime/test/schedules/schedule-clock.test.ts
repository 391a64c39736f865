import { expect } from 'chai';
import { CronSchedule, cronProblem } from '../../src/schedules/schedule-clock.js';
import { resolveWallTime, timeZoneProblem } from '../../src/schedules/zone-offset.js';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const next = (cron: string, tz: string, from: string, count = 5) => iso(CronSchedule.parse(cron, tz).upcoming(new Date(from), count));

/** Every occurrence found going forward is found again going backward (the two scans agree). */
function expectConsistent(cron: string, tz: string, from: string, count: number): void {
  const clock = CronSchedule.parse(cron, tz);
  const times = clock.upcoming(new Date(from), count);
  for (let i = 1; i < times.length; i += 1) {
    expect(clock.previousBefore(times[i])?.toISOString(), `previous of ${times[i].toISOString()}`).to.equal(times[i - 1].toISOString());
    expect(clock.nextAfter(times[i - 1]).toISOString()).to.equal(times[i].toISOString());
  }
  expect(new Set(times.map(Number)).size, 'no instant twice').to.equal(times.length);
}

describe('schedule clock: occurrences in the schedule\'s time zone (pure, fixed dates)', () => {
  describe('plain times', () => {
    it('UTC, 5 fields', () => {
      expect(next('0 9 * * *', 'UTC', '2026-01-01T10:00:00Z', 2)).to.deep.equal(['2026-01-02T09:00:00.000Z', '2026-01-03T09:00:00.000Z']);
    });
    it('6 fields: seconds first; strictly after the start', () => {
      const clock = CronSchedule.parse('*/2 * * * * *', 'UTC');
      expect(clock.nextAfter(new Date('2026-01-01T00:00:00.000Z')).toISOString()).to.equal('2026-01-01T00:00:02.000Z');
      expect(clock.nextAfter(new Date('2026-01-01T00:00:01.500Z')).toISOString()).to.equal('2026-01-01T00:00:02.000Z');
      expect(clock.previousBefore(new Date('2026-01-01T00:00:02.000Z'))?.toISOString()).to.equal('2026-01-01T00:00:00.000Z');
      expect(next('*/2 * * * * *', 'UTC', '2026-01-01T00:00:00.000Z', 3)).to.deep.equal(
        ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:04.000Z']);
    });
    it('a local time in a zone with a fractional offset (Asia/Kolkata, +05:30)', () => {
      expect(next('0 0 * * *', 'Asia/Kolkata', '2026-01-01T00:00:00Z', 2)).to.deep.equal(['2026-01-01T18:30:00.000Z', '2026-01-02T18:30:00.000Z']);
    });
    it('Europe/Paris keeps 09:00 local across its own DST change (UTC time moves by an hour)', () => {
      expect(next('0 9 * * *', 'Europe/Paris', '2026-03-28T00:00:00Z', 3)).to.deep.equal(
        ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z']);
    });
    it('29 February only in leap years', () => {
      expect(next('0 0 29 2 *', 'UTC', '2026-01-01T00:00:00Z', 2)).to.deep.equal(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
    });
    it('aliases such as @daily', () => {
      expect(next('@daily', 'America/New_York', '2026-01-01T12:00:00Z', 1)).to.deep.equal(['2026-01-02T05:00:00.000Z']);
    });
  });

  describe('day of month and day of week together: either matches', () => {
    it('13th of the month OR every Friday', () => {
      expect(next('0 0 13 * 5', 'UTC', '2026-01-01T00:00:00Z', 5)).to.deep.equal([
        '2026-01-02T00:00:00.000Z', '2026-01-09T00:00:00.000Z', '2026-01-13T00:00:00.000Z', '2026-01-16T00:00:00.000Z', '2026-01-23T00:00:00.000Z',
      ]);
    });
    it('a * in one of them leaves the other alone', () => {
      expect(next('0 0 * * MON', 'UTC', '2026-01-01T00:00:00Z', 2)).to.deep.equal(['2026-01-05T00:00:00.000Z', '2026-01-12T00:00:00.000Z']);
      expect(next('0 0 15 * *', 'UTC', '2026-01-01T00:00:00Z', 2)).to.deep.equal(['2026-01-15T00:00:00.000Z', '2026-02-15T00:00:00.000Z']);
    });
    it('a step such as */2 counts as restricted (cron-parser): odd days OR Mondays', () => {
      expect(next('0 0 */2 * 1', 'UTC', '2026-01-09T12:00:00Z', 3)).to.deep.equal(
        ['2026-01-11T00:00:00.000Z', '2026-01-12T00:00:00.000Z', '2026-01-13T00:00:00.000Z']);
    });
  });

  describe('daylight saving, America/New_York (2026-03-08 02:00 -> 03:00, 2026-11-01 02:00 -> 01:00)', () => {
    it('a fixed time in the skipped hour runs once, right after the gap (03:00 EDT), then as usual', () => {
      expect(next('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 3)).to.deep.equal(
        ['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
    });
    it('several skipped times collapse into the one run after the gap', () => {
      expect(next('0,30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 3)).to.deep.equal(
        ['2026-03-08T07:00:00.000Z', '2026-03-09T06:00:00.000Z', '2026-03-09T06:30:00.000Z']);
      expect(next('30 30 2 * * *', 'America/New_York', '2026-03-08T00:00:00Z', 1)).to.deep.equal(['2026-03-08T07:00:00.000Z']);
    });
    it('a fixed time in the skipped hour that falls on 03:00 too runs once', () => {
      expect(next('30 2,3 * * *', 'America/New_York', '2026-03-08T05:00:00Z', 3)).to.deep.equal(
        ['2026-03-08T07:00:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    });
    it('a fixed time in the repeated hour runs once, at its first pass (01:30 EDT)', () => {
      expect(next('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 3)).to.deep.equal(
        ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z', '2026-11-03T06:30:00.000Z']);
    });
    it('and does not run again when asked during the second pass (a restart at 01:10 EST)', () => {
      expect(next('30 1 * * *', 'America/New_York', '2026-11-01T06:10:00Z', 1)).to.deep.equal(['2026-11-02T06:30:00.000Z']);
      expect(CronSchedule.parse('30 1 * * *', 'America/New_York').previousBefore(new Date('2026-11-01T06:40:00Z'))?.toISOString())
        .to.equal('2026-11-01T05:30:00.000Z');
    });
    it('every-hour schedules are intervals: the skipped hour does not exist, the repeated one runs twice', () => {
      expect(next('15 * * * *', 'America/New_York', '2026-03-08T05:00:00Z', 3)).to.deep.equal(
        ['2026-03-08T05:15:00.000Z', '2026-03-08T06:15:00.000Z', '2026-03-08T07:15:00.000Z']); // 00:15, 01:15 EST, 03:15 EDT
      expect(next('*/30 * * * *', 'America/New_York', '2026-11-01T04:30:00Z', 6)).to.deep.equal([
        '2026-11-01T04:30:00.000Z', '2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z', // 00:30, 01:00, 01:30 EDT
        '2026-11-01T06:00:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-01T07:00:00.000Z', // 01:00, 01:30 EST, 02:00 EST
      ]);
    });
    it('forward and backward scans agree across both changes', () => {
      expectConsistent('*/20 * * * *', 'America/New_York', '2026-03-08T05:00:00Z', 12);
      expectConsistent('*/20 * * * *', 'America/New_York', '2026-11-01T04:00:00Z', 15);
      expectConsistent('10 1,2 * * *', 'America/New_York', '2026-10-30T00:00:00Z', 8);
      expectConsistent('10 2 * * *', 'America/New_York', '2026-03-06T00:00:00Z', 5);
      expectConsistent('0 30 1 * * *', 'Europe/London', '2026-10-23T00:00:00Z', 5);
    });
  });

  describe('other zones', () => {
    it('Europe/London: 01:30 on the day clocks go back runs once (00:30 UTC)', () => {
      expect(next('30 1 * * *', 'Europe/London', '2026-10-24T12:00:00Z', 2)).to.deep.equal(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    });
    it('Europe/London: 01:15 on the day clocks go forward runs at 02:00 BST (01:00 UTC)', () => {
      expect(next('15 1 * * *', 'Europe/London', '2026-03-28T12:00:00Z', 2)).to.deep.equal(['2026-03-29T01:00:00.000Z', '2026-03-30T00:15:00.000Z']);
    });
    it('Australia/Lord_Howe moves by 30 minutes: 02:15 that day runs at 02:30', () => {
      expect(next('15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T00:00:00Z', 2)).to.deep.equal(['2026-10-03T15:30:00.000Z', '2026-10-04T15:15:00.000Z']);
    });
    it('Southern hemisphere: Australia/Sydney goes back in April', () => {
      expect(next('30 2 * * *', 'Australia/Sydney', '2026-04-04T00:00:00Z', 2)).to.deep.equal(['2026-04-04T15:30:00.000Z', '2026-04-05T16:30:00.000Z']);
    });
  });

  describe('resolveWallTime', () => {
    const wall = (s: string) => Date.parse(`${s}Z`);
    it('names single, repeated and skipped local times', () => {
      expect(resolveWallTime('America/New_York', wall('2026-06-01T12:00:00'))).to.deep.equal({ kind: 'single', at: Date.parse('2026-06-01T16:00:00Z') });
      expect(resolveWallTime('America/New_York', wall('2026-11-01T01:30:00'))).to.deep.equal(
        { kind: 'repeated', first: Date.parse('2026-11-01T05:30:00Z'), second: Date.parse('2026-11-01T06:30:00Z') });
      expect(resolveWallTime('America/New_York', wall('2026-03-08T02:30:00'))).to.deep.equal({ kind: 'skipped', after: Date.parse('2026-03-08T07:00:00Z') });
    });
  });

  describe('validation messages', () => {
    it('cron: field count, ranges, syntax, aliases', () => {
      expect(cronProblem('* * * *')).to.match(/has 4 fields.*5.*6/);
      expect(cronProblem('* * * * * * *')).to.match(/has 7 fields/);
      expect(cronProblem('61 * * * *')).to.match(/not a valid cron expression: .*61.*0-59/);
      expect(cronProblem('* 24 * * *')).to.match(/24.*0-23/);
      expect(cronProblem('0 0 30 2 *')).to.match(/day of month/);
      expect(cronProblem('nope nope * * *')).to.match(/not a valid cron expression/);
      expect(cronProblem('@sometimes')).to.match(/unknown alias/);
      expect(cronProblem('')).to.match(/is required/);
      expect(cronProblem(42)).to.match(/is required/);
      expect(cronProblem(' */5  *  * * * ')).to.equal(null);
    });
    it('time zone: Intl decides', () => {
      expect(timeZoneProblem('Europe/Paris')).to.equal(null);
      expect(timeZoneProblem('UTC')).to.equal(null);
      expect(timeZoneProblem('Mars/Olympus')).to.match(/unknown time zone "Mars\/Olympus"/);
      expect(timeZoneProblem('+05:00')).to.match(/unknown time zone/);
      expect(timeZoneProblem('')).to.match(/IANA/);
    });
    it('parse refuses both', () => {
      expect(() => CronSchedule.parse('61 * * * *', 'UTC')).to.throw(/0-59/);
      expect(() => CronSchedule.parse('* * * * *', 'Nowhere/City')).to.throw(/unknown time zone/);
    });
    it('H is seeded by the schedule\'s name: stable for one name', () => {
      const a = CronSchedule.parse('H * * * *', 'UTC', 'report').upcoming(new Date('2026-01-01T00:00:00Z'), 2);
      const b = CronSchedule.parse('H * * * *', 'UTC', 'report').upcoming(new Date('2026-01-01T00:00:00Z'), 2);
      expect(iso(a)).to.deep.equal(iso(b));
    });
  });
});
