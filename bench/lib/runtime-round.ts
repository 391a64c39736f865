import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import type { EnqueueRequest, FailureRow, JobSnapshot, RuntimeConfig } from '../../packages/runtime/src/index.js';
import type { RuntimeModule } from './runtime-module.js';
import type { CpuMeter } from './cpu-meter.js';
import { chunks, measure, withTimeout, type SideResult } from './phase.js';

export interface RuntimeRoundOptions {
  /** The runtime under test (its sources or its build). */
  runtimeModule: RuntimeModule;
  config: RuntimeConfig;
  jobs: number;
  concurrency: number;
  timeoutMs: number;
  meter: CpuMeter;
  /** The bench's own pool, for checking the record after the round. */
  pool: pg.Pool;
  /** Write a CPU profile of the processing phase here. */
  profileTo?: string;
}

export interface RuntimeSideResult extends SideResult {
  /** Rows written by the recorder in this round (for the report). */
  recorderRows: number;
}

/**
 * nself-jobs: enqueueMany (record rows + BullMQ), then startWorkers; the clock stops once
 * every job has completed AND the recorder has written every completion to PostgreSQL.
 * Completions are counted where they reach the recorder, which is installed before the
 * workers start (so none is missed) and costs one comparison per job.
 */
export async function runtimeRound(o: RuntimeRoundOptions): Promise<RuntimeSideResult> {
  const { Runtime, silentLogger, MAX_BULK } = o.runtimeModule;
  const runtime = await Runtime.start(o.config, { log: silentLogger() });
  try {
    const requests: EnqueueRequest[] = Array.from({ length: o.jobs }, () => ({ type: 'noop', payload: {} }));
    const ids: string[] = [];
    const enqueue = await measure(o.meter, o.jobs, async () => {
      for (const chunk of chunks(requests, MAX_BULK)) {
        for (const job of await runtime.producer.enqueueMany(chunk)) ids.push(job.id);
      }
    });

    const recorder = runtime.recorder;
    let completed = 0;
    const done = new Promise<void>((resolve, reject) => {
      const record = recorder.record.bind(recorder);
      recorder.record = (snapshot: JobSnapshot) => {
        record(snapshot);
        if (snapshot.status === 'completed') {
          completed += 1;
          if (completed === o.jobs) resolve();
        }
      };
      const recordFailure = recorder.recordFailure.bind(recorder);
      recorder.recordFailure = (row: FailureRow) => {
        recordFailure(row);
        reject(new Error(`nself-jobs: job ${row.job_id} failed: ${row.error_message}`));
      };
    });
    done.catch(() => {}); // awaited below, after startWorkers: not an unhandled rejection meanwhile
    const writtenBefore = recorder.written;
    const processing = await measure(o.meter, o.jobs, () => withTimeout((async () => {
      await runtime.startWorkers({ queues: ['default'], concurrency: o.concurrency });
      await done;
      // The record must be complete for the round to count: drain what is still buffered.
      do await recorder.flush(true); while (recorder.backlog > 0);
    })(), o.timeoutMs, () => `nself-jobs: only ${completed} of ${o.jobs} jobs completed after ${o.timeoutMs / 1000} s `
      + `(record: ${recorder.written - writtenBefore} rows written, ${recorder.backlog} waiting)`), o.profileTo);

    await checkRecord(o, ids);
    return { enqueue, process: processing, recorderRows: recorder.written - writtenBefore };
  } finally {
    await runtime.close(1000).catch(() => {});
    await obliterate(o.config);
  }
}

async function checkRecord(o: RuntimeRoundOptions, ids: string[]): Promise<void> {
  const q = `"${o.config.database.schema}"`;
  const { rows } = await o.pool.query<{ completed: number; results: number }>(
    `SELECT count(*) FILTER (WHERE j.status = 'completed')::int AS completed, count(r.job_id)::int AS results
     FROM ${q}.jobs j LEFT JOIN ${q}.job_results r ON r.job_id = j.id WHERE j.id = ANY($1::uuid[])`, [ids]);
  const { completed, results } = rows[0];
  if (completed !== o.jobs || results !== o.jobs) {
    throw new Error(`nself-jobs: the record is incomplete after the drain: ${completed} of ${o.jobs} rows are completed, ${results} have a result`);
  }
}

/** Removes the round's keys, so that Redis holds the same amount before every round. */
async function obliterate(config: RuntimeConfig): Promise<void> {
  const connection = new Redis(config.redisUrl!, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  const queue = new Queue('default', { prefix: config.queuePrefix, connection });
  await queue.obliterate({ force: true }).catch(() => {});
  await queue.close().catch(() => {});
  connection.disconnect();
}
