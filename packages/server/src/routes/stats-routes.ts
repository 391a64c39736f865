import { Router } from '@koa/router';
import { jobTypeStats, knownQueues, type Runtime } from '@nself-jobs/runtime';
import { fromBackend, fromDatabase } from '../store-errors.js';
import { statsHoursOf } from './list-params.js';

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  prioritized: number;
  completed: number;
  failed: number;
  /** Jobs held by a paused queue (BullMQ 6 keeps them as waiting/prioritized); 0 when it runs. */
  paused: number;
  isPaused: boolean;
}

const COUNTED = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

/** Per queue, what the backend holds right now. */
export async function queueCounts(runtime: Runtime): Promise<Record<string, QueueCounts>> {
  const names = knownQueues(runtime.registry);
  const entries = await Promise.all(names.map(async (name) => {
    const queue = runtime.queue(name);
    const [counts, isPaused] = await fromBackend(() => Promise.all([queue.getJobCounts(...COUNTED), queue.isPaused()]));
    const n = (key: string) => Number(counts[key] ?? 0);
    return [name, {
      waiting: n('waiting'), active: n('active'), delayed: n('delayed'), prioritized: n('prioritized'),
      completed: n('completed'), failed: n('failed'),
      paused: isPaused ? n('waiting') + n('prioritized') : 0, isPaused,
    }] as const;
  }));
  return Object.fromEntries(entries);
}

/** GET /api/stats?hours=24: queues from the backend, job types from the record. */
export function statsRoutes(runtime: Runtime): Router {
  const router = new Router();
  router.get('/api/stats', async (ctx) => {
    const hours = statsHoursOf(ctx.query);
    const [queues, types] = await Promise.all([
      queueCounts(runtime),
      fromDatabase(jobTypeStats(runtime.pool, runtime.quotedSchema, hours)),
    ]);
    ctx.body = { hours, queues, types };
  });
  return router;
}
