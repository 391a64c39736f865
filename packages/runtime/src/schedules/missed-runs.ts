import type { CronSchedule } from './schedule-clock.js';

/** What to do with occurrences that came due while no scheduler ran (see planDue). */
export type MissedPolicy = 'skip' | 'once' | 'all';
export const MISSED_POLICIES: readonly MissedPolicy[] = ['skip', 'once', 'all'];

/**
 * An occurrence claimed less than this after its time is run as usual; older ones are "missed".
 * It covers a slow tick and a quick restart (a `jobs worker` restart takes 1-3 s), so neither
 * loses a run of a schedule with the `skip` policy.
 */
export const MISSED_GRACE_MS = 5000;

/** With `all`, at most this many missed occurrences are run (the most recent ones); older ones are skipped. */
export const MAX_CATCH_UP = 100;

export interface DuePlan {
  /** Occurrences to enqueue now, oldest first: catch-ups first, then those on time. */
  fire: Date[];
  /** How many of `fire` are catch-ups for missed occurrences. */
  catchUp: number;
  /** Missed occurrences not run (at least this many, when `skippedMore`). */
  skipped: number;
  skippedMore: boolean;
  /** The next occurrence after `now`: never null, so a schedule can never end up without a next run. */
  next: Date;
}

/**
 * Pure: which occurrences of a schedule due at `nextRunAt` to run at `now`. `nextRunAt` is an
 * occurrence itself (normally one of the cron's; one set by SQL, e.g. now(), runs at that time too),
 * followed by the cron's occurrences after it. Those before now - grace are missed and handled by
 * the policy; those from now - grace to now are on time and always run.
 * - skip: no job for missed occurrences.
 * - once: one job, for the latest missed occurrence.
 * - all: one job per missed occurrence, at most MAX_CATCH_UP (the most recent ones), oldest first.
 */
export function planDue(
  clock: CronSchedule, nextRunAt: Date, policy: MissedPolicy, now: Date,
  graceMs = MISSED_GRACE_MS, maxCatchUp = MAX_CATCH_UP,
): DuePlan {
  if (nextRunAt.getTime() > now.getTime()) return { fire: [], catchUp: 0, skipped: 0, skippedMore: false, next: nextRunAt };
  const cutoff = new Date(now.getTime() - graceMs);

  const due = nextRunAt.getTime();
  const onTime: Date[] = due >= cutoff.getTime() ? [nextRunAt] : [];
  for (let at = clock.nextAfter(new Date(Math.max(due, cutoff.getTime() - 1))); at.getTime() <= now.getTime(); at = clock.nextAfter(at)) onTime.push(at);

  // The missed ones, newest first, one more than could be run (to know whether some are left over).
  const limit = Math.max(maxCatchUp, 1);
  const missed: Date[] = [];
  if (due < cutoff.getTime()) {
    for (let at = clock.previousBefore(cutoff); at && at.getTime() > due && missed.length <= limit; at = clock.previousBefore(at)) missed.push(at);
    if (missed.length <= limit) missed.push(nextRunAt);
  }
  const more = missed.length > limit;
  if (more) missed.pop();
  const run = policy === 'all' ? missed.slice().reverse() : policy === 'once' ? missed.slice(0, 1) : [];
  return {
    fire: [...run, ...onTime],
    catchUp: run.length,
    skipped: missed.length - run.length,
    skippedMore: more,
    next: clock.nextAfter(now),
  };
}
