import crypto from 'node:crypto';
import { Queue, Worker, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { CpuMeter } from './cpu-meter.js';
import { chunks, measure, withTimeout, type SideResult } from './phase.js';

/**
 * `plain`: what a BullMQ user writes (no job id, no priority), plus the same
 * removeOnComplete/removeOnFail by age the runtime uses, so both pay the same Redis cost.
 * `runtime`: also the job id (a UUID), priority, attempts, backoff and data envelope the
 * runtime gives each job: the difference to `plain` is what those BullMQ options cost.
 */
export type BareOptions = 'plain' | 'runtime';

export interface BareRoundOptions {
  redisUrl: string;
  prefix: string;
  jobs: number;
  concurrency: number;
  timeoutMs: number;
  meter: CpuMeter;
  bareOptions: BareOptions;
  /** The runtime's JOBS_CLEAN_COMPLETED_AFTER / JOBS_CLEAN_FAILED_AFTER, in milliseconds. */
  keepCompletedMs: number;
  keepFailedMs: number;
  /** The runtime's attempts and backoff delay, for `runtime` options. */
  attempts: number;
  backoffDelay: number;
  jobTimeout: number;
  /** Write a CPU profile of the processing phase here. */
  profileTo?: string;
}

const QUEUE = 'default';
const CHUNK = 1000;

/** Bare BullMQ: addBulk the jobs, then start a Worker with a no-op processor and count `completed` events. */
export async function bareRound(o: BareRoundOptions): Promise<SideResult> {
  // Like the runtime's Redis backend: one shared connection for the queue and the worker.
  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  const queue = new Queue(QUEUE, { prefix: o.prefix, connection });
  let worker: Worker | undefined;
  try {
    const jobs = Array.from({ length: o.jobs }, () => bareJob(o));
    const enqueue = await measure(o.meter, o.jobs, async () => {
      for (const chunk of chunks(jobs, CHUNK)) await queue.addBulk(chunk);
    });

    let completed = 0;
    const processing = await measure(o.meter, o.jobs, async () => {
      const done = new Promise<void>((resolve, reject) => {
        worker = new Worker(QUEUE, async () => null, { prefix: o.prefix, connection, concurrency: o.concurrency, autorun: false });
        worker.on('completed', () => {
          completed += 1;
          if (completed === o.jobs) resolve();
        });
        worker.on('failed', (job, error) => reject(new Error(`bare BullMQ: job ${job?.id} failed: ${error.message}`)));
        worker.on('error', (error) => reject(new Error(`bare BullMQ: worker error: ${error.message}`)));
        worker.run().catch(reject);
      });
      await withTimeout(done, o.timeoutMs,
        () => `bare BullMQ: only ${completed} of ${o.jobs} jobs completed after ${o.timeoutMs / 1000} s`);
    }, o.profileTo);
    return { enqueue, process: processing };
  } finally {
    await worker?.close().catch(() => {});
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close().catch(() => {});
    connection.disconnect();
  }
}

function bareJob(o: BareRoundOptions): { name: string; data: unknown; opts: JobsOptions } {
  const keep: JobsOptions = {
    removeOnComplete: { age: Math.ceil(o.keepCompletedMs / 1000) },
    removeOnFail: { age: Math.ceil(o.keepFailedMs / 1000) },
  };
  if (o.bareOptions === 'plain') return { name: 'noop', data: {}, opts: keep };
  return {
    name: 'noop',
    data: { __nselfJobs: 1, payload: {}, priority: 'normal', timeout: o.jobTimeout },
    opts: {
      ...keep,
      jobId: crypto.randomUUID(),
      priority: 3,
      attempts: o.attempts,
      backoff: { type: 'exponential', delay: o.backoffDelay },
    },
  };
}
