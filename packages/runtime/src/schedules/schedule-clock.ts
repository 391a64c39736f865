import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { offsetAt, resolveWallTime, timeZoneProblem, wallTimeOf } from './zone-offset.js';

/**
 * When a cron schedule fires, in its own time zone.
 *
 * cron-parser matches the fields on local wall times (encoded as UTC, so its own time-zone
 * handling is not involved); this class maps each matching wall time to real instants with
 * these rules, the ones Vixie cron and cronie follow:
 *
 * - A schedule with a fixed hour (the hour field is not every hour: `30 2 * * *`, `0 9-17 * * 1-5`)
 *   runs once per matching local time. A local time that does not exist (clocks go forward:
 *   02:30 on 2026-03-08 in America/New_York) runs once, at the first instant after the gap
 *   (03:00 local). A local time that happens twice (clocks go back: 01:30 on 2026-11-01) runs
 *   once, at its first pass.
 * - A schedule that runs every hour (`*` or `* /1` in the hour field: `*\/15 * * * *`, `0 * * * *`)
 *   is an interval: it runs at the local times that really happen. Local times skipped by a jump
 *   forward are not run (the hour that contains them never happened), and the repeated hour of a
 *   jump back is run twice (it is two real hours).
 *
 * Day of month and day of week: when both are restricted (neither is `*` or `?`), a day matching
 * either one matches (the usual cron rule; note that cron-parser counts a step such as `*\/2` as
 * restricted). Expressions have 5 fields, or 6 with seconds first; `@daily` and the other aliases
 * of cron-parser are accepted. `H` (hashed values) is seeded with the schedule's name.
 */
export class CronSchedule {
  private readonly everyHour: boolean;

  private constructor(
    readonly cron: string,
    readonly timeZone: string,
    private readonly expression: CronExpression,
  ) {
    this.everyHour = expression.fields.hour.values.length === 24;
  }

  /** Throws an Error whose message says what is wrong; see cronProblem / timeZoneProblem. */
  static parse(cron: string, timeZone = 'UTC', seed?: string): CronSchedule {
    const cronIssue = cronProblem(cron);
    if (cronIssue) throw new Error(cronIssue);
    const zoneIssue = timeZoneProblem(timeZone);
    if (zoneIssue) throw new Error(zoneIssue);
    const expression = CronExpressionParser.parse(normalizeCron(cron), { tz: 'UTC', currentDate: new Date(0), hashSeed: seed ?? cron });
    return new CronSchedule(cron, timeZone, expression);
  }

  /** The first occurrence strictly after `after`. */
  nextAfter(after: Date): Date {
    const a = after.getTime();
    // Just before a jump back, repeated wall times a little earlier than now come again: look back by the jump.
    const lookback = this.everyHour ? Math.max(0, offsetAt(this.timeZone, a) - offsetAt(this.timeZone, a + 4 * 3600_000)) : 0;
    this.expression.reset(new Date(wallTimeOf(this.timeZone, a) - lookback - 1));
    let best = Infinity;
    for (let i = 0; i < MAX_STEPS; i += 1) {
      const { first, second } = this.instantsOf(this.expression.next().getTime());
      if (second !== undefined && second > a) best = Math.min(best, second);
      // `first` never decreases from one wall time to the next, and `second` > `first`: nothing later can beat it.
      if (first !== undefined && first > a) return new Date(Math.min(best, first));
    }
    throw new Error(`no occurrence of "${this.cron}" found after ${after.toISOString()}`);
  }

  /** The latest occurrence strictly before `before`, or null when there is none (within cron-parser's range). */
  previousBefore(before: Date): Date | null {
    const b = before.getTime();
    // Just after a jump back, first passes of later wall times lie before now: look ahead by the jump.
    const lookahead = Math.max(0, offsetAt(this.timeZone, b - 4 * 3600_000) - offsetAt(this.timeZone, b));
    this.expression.reset(new Date(wallTimeOf(this.timeZone, b) + lookahead + 1000));
    let best = -Infinity;
    try {
      for (let i = 0; i < MAX_STEPS; i += 1) {
        const { first, second } = this.instantsOf(this.expression.prev().getTime());
        if (first === undefined) continue;
        for (const at of [first, second]) if (at !== undefined && at < b) best = Math.max(best, at);
        if ((second ?? first) < b) break; // every earlier wall time maps to instants <= this one
      }
    } catch {
      // cron-parser ran out of range going back: there is no earlier occurrence.
    }
    return best === -Infinity ? null : new Date(best);
  }

  /** The next `count` occurrences from `from` (included). */
  upcoming(from: Date, count: number): Date[] {
    const out: Date[] = [];
    let cursor = new Date(from.getTime() - 1);
    while (out.length < count) {
      cursor = this.nextAfter(cursor);
      out.push(cursor);
    }
    return out;
  }

  /** The instants a matching wall time stands for, under the rules in the class comment. */
  private instantsOf(wall: number): { first?: number; second?: number } {
    const resolved = resolveWallTime(this.timeZone, wall);
    if (resolved.kind === 'single') return { first: resolved.at };
    if (resolved.kind === 'repeated') return this.everyHour ? { first: resolved.first, second: resolved.second } : { first: resolved.first };
    return this.everyHour ? {} : { first: resolved.after };
  }
}

/** Wall times tried per call before giving up (a safety net; real expressions need a handful). */
const MAX_STEPS = 100_000;

const ALIASES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@minutely', '@secondly', '@weekdays', '@weekends'];

function normalizeCron(cron: string): string {
  const trimmed = cron.trim();
  return trimmed.startsWith('@') ? trimmed.toLowerCase() : trimmed.split(/\s+/).join(' ');
}

/** Null when cron-parser accepts the expression with 5 or 6 fields (or an alias), otherwise the reason. */
export function cronProblem(cron: unknown): string | null {
  if (typeof cron !== 'string' || cron.trim() === '') return 'is required: 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first';
  const normalized = normalizeCron(cron);
  if (normalized.startsWith('@')) {
    if (!ALIASES.includes(normalized)) return `unknown alias "${cron.trim()}" (known: ${ALIASES.join(', ')})`;
  } else {
    const fields = normalized.split(' ').length;
    if (fields !== 5 && fields !== 6) {
      return `has ${fields} field${fields === 1 ? '' : 's'}; a cron expression has 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)`;
    }
  }
  try {
    CronExpressionParser.parse(normalized, { tz: 'UTC', currentDate: new Date(0), hashSeed: 'check' });
    return null;
  } catch (error) {
    return `is not a valid cron expression: ${(error as Error).message}`;
  }
}
