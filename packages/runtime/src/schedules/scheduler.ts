import type pg from 'pg';
import type { Logger } from '../logger.js';
import type { JobProducer } from '../producer/job-producer.js';
import { ScheduleListener } from './schedule-listener.js';
import { ScheduleRunner, type PassResult } from './schedule-runner.js';

export interface SchedulerOptions {
  /** The clock (tests). */
  now?: () => Date;
  /** Longest sleep between two looks at the table, in ms (1000): the delay of a change nobody NOTIFYed. */
  pollMs?: number;
  /** See MISSED_GRACE_MS. */
  graceMs?: number;
  /** See MAX_CATCH_UP. */
  maxCatchUp?: number;
}

export interface SchedulerDeps {
  pool: pg.Pool;
  quotedSchema: string;
  producer: JobProducer;
  log: Logger;
}

const MIN_SLEEP_MS = 25;
const BACKOFF_MS = 1000;

/**
 * Fires the schedules of job_schedules. Every process that runs workers runs one; any number
 * of them may run against the same database (see ScheduleRunner for why each occurrence still
 * gives exactly one job). The loop sleeps until the earliest next run, at most `pollMs`, and
 * wakes early on NOTIFY nself_jobs_schedules, which ScheduleStore sends on every change.
 */
export class Scheduler {
  private readonly runner: ScheduleRunner;
  private readonly listener: ScheduleListener;
  private readonly now: () => Date;
  private readonly pollMs: number;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private woken = false;
  private interrupt: (() => void) | undefined;

  constructor(private readonly deps: SchedulerDeps, options: SchedulerOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.pollMs = options.pollMs ?? 1000;
    this.runner = new ScheduleRunner({ ...deps, now: this.now, graceMs: options.graceMs, maxCatchUp: options.maxCatchUp });
    this.listener = new ScheduleListener(deps.pool, deps.log, () => this.wake());
  }

  get running(): boolean {
    return this.loop !== undefined && !this.stopped;
  }

  /** Listens for changes, then runs the loop in the background until stop(). */
  async start(): Promise<void> {
    if (this.loop || this.stopped) return;
    await this.listener.ensure();
    this.loop = this.run();
  }

  /** Look at the table now (a change was made in this process). */
  wake(): void {
    this.woken = true;
    this.interrupt?.();
  }

  /** Lets a pass in progress finish (its jobs and its row updates land together), then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    await this.listener.close();
  }

  /** One pass now, outside the loop (tests, tools). */
  runOnce(): Promise<PassResult> {
    return this.runner.runDue();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let delay = this.pollMs;
      try {
        await this.listener.ensure();
        this.woken = false;
        const pass = await this.runner.runDue();
        if (pass.more && !pass.failed) continue;
        const earliest = await this.runner.earliestDue();
        if (earliest) delay = Math.min(this.pollMs, Math.max(MIN_SLEEP_MS, earliest.getTime() - this.now().getTime() + 2));
        if (pass.failed) delay = Math.max(delay, BACKOFF_MS);
      } catch (error) {
        if (this.stopped) break;
        this.deps.log.warn({ err: error }, 'scheduler: pass failed; trying again');
        delay = BACKOFF_MS;
      }
      await this.sleep(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interrupt = done;
    });
  }
}
