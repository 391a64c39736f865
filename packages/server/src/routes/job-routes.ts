import { Router } from '@koa/router';
import { getJobRecord, isUuid, JobsError, listJobRecords, type EnqueuedJob, type Runtime } from '@nself-jobs/runtime';
import { parameterError } from '../api-error.js';
import { fromDatabase } from '../store-errors.js';
import { bulkRequestsOf, enqueueRequestOf } from './enqueue-body.js';
import { listFilterOf } from './list-params.js';

const view = (job: EnqueuedJob) => ({ id: job.id, type: job.type, queue: job.queue, status: job.status, existing: job.existing });

/**
 * POST /api/jobs, POST /api/jobs/bulk, GET /api/jobs/:id, GET /api/jobs.
 * Validation of types, payloads and options is the producer's: it writes nothing when it refuses.
 */
export function jobRoutes(runtime: Runtime): Router {
  const router = new Router({ prefix: '/api/jobs' });
  const q = runtime.quotedSchema;

  router.post('/', async (ctx) => {
    const job = await runtime.producer.enqueue(enqueueRequestOf(ctx.request.body));
    ctx.status = job.existing ? 200 : 201;
    ctx.body = view(job);
  });

  router.post('/bulk', async (ctx) => {
    const jobs = await runtime.producer.enqueueMany(bulkRequestsOf(ctx.request.body));
    ctx.status = jobs.every((j) => j.existing) ? 200 : 201;
    ctx.body = { jobs: jobs.map(view) };
  });

  router.get('/:id', async (ctx) => {
    const { id } = ctx.params;
    if (!isUuid(id)) throw parameterError([{ path: 'id', message: 'must be a UUID' }]);
    const job = await fromDatabase(getJobRecord(runtime.pool, q, id));
    if (!job) throw new JobsError('JOB_NOT_FOUND', `no job with id ${id}`, { id });
    ctx.body = job;
  });

  router.get('/', async (ctx) => {
    ctx.body = await fromDatabase(listJobRecords(runtime.pool, q, listFilterOf(ctx.query)));
  });

  return router;
}
