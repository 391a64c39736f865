import { Router } from '@koa/router';
import type { Runtime } from '@nself-jobs/runtime';
import { parameterError, type Problem } from '../api-error.js';
import { fromDatabase } from '../store-errors.js';

type Query = Record<string, string | string[] | undefined>;

const MAX_WAIT_MS = 30000;

/**
 * DELETE /api/jobs/:id (cancel), POST /api/jobs/:id/retry, POST /api/jobs/:id/promote.
 * None takes a body. Refusals come from the runtime: 404 JOB_NOT_FOUND, 409 JOB_CONFLICT
 * (retrying a completed job, cancelling a finished one, promoting one that is not delayed).
 */
export function jobControlRoutes(runtime: Runtime): Router {
  const router = new Router({ prefix: '/api/jobs' });
  const ops = runtime.operations;

  // 200 when the job is cancelled; 202 when it runs and has not stopped within ?wait= ms (5000):
  // the request stands and the job is recorded `cancelled` once its worker stops it.
  router.delete('/:id', async (ctx) => {
    const waitMs = waitOf(ctx.query);
    const outcome = await fromDatabase(ops.cancel(ctx.params.id, { waitMs }));
    ctx.status = outcome.status === 'cancelled' ? 200 : 202;
    ctx.body = outcome;
  });

  router.post('/:id/retry', async (ctx) => {
    ctx.body = await fromDatabase(ops.retry(ctx.params.id));
  });

  router.post('/:id/promote', async (ctx) => {
    ctx.body = await fromDatabase(ops.promote(ctx.params.id));
  });

  return router;
}

function waitOf(query: Query): number {
  const problems: Problem[] = [];
  for (const name of Object.keys(query)) if (name !== 'wait') problems.push({ path: name, message: 'unknown parameter (allowed: wait)' });
  const raw = query.wait;
  let wait = 5000;
  if (Array.isArray(raw)) problems.push({ path: 'wait', message: 'must be given once' });
  else if (raw !== undefined && raw !== '') {
    wait = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
    if (!(wait >= 0 && wait <= MAX_WAIT_MS)) problems.push({ path: 'wait', message: `must be an integer from 0 to ${MAX_WAIT_MS} (milliseconds)` });
  }
  if (problems.length > 0) throw parameterError(problems);
  return wait;
}
