import { Router } from '@koa/router';
import type { Runtime } from '@nself-jobs/runtime';

/**
 * GET /api/queues: what the backend holds per queue now (waiting includes prioritized) and
 * whether it is paused. POST /api/queues/:name/pause and /resume: idempotent, no body;
 * 404 QUEUE_NOT_FOUND for a queue no processor declares.
 */
export function queueRoutes(runtime: Runtime): Router {
  const router = new Router({ prefix: '/api/queues' });
  const ops = runtime.operations;

  router.get('/', async (ctx) => {
    ctx.body = { queues: await ops.queueCounts() };
  });

  router.post('/:name/pause', async (ctx) => {
    ctx.body = await ops.pause(ctx.params.name);
  });

  router.post('/:name/resume', async (ctx) => {
    ctx.body = await ops.resume(ctx.params.name);
  });

  return router;
}
