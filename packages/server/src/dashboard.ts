import type { Middleware } from 'koa';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import { knownQueues, type Runtime } from '@nself-jobs/runtime';

/**
 * BullBoard at `path` with every known queue (the default ones and those processors declare):
 * its page, its assets and its JSON API (<path>/api/queues, retry, promote, clean...).
 * Its own error handler answers 5xx with the error's message; the stack it adds when
 * NODE_ENV=development is removed here so that no stack reaches a client.
 */
export function dashboardMiddleware(runtime: Runtime, path: string): Middleware {
  const adapter = new KoaAdapter();
  adapter.setBasePath(path);
  createBullBoard({
    queues: knownQueues(runtime.registry).map((name) => new BullMQAdapter(runtime.queue(name))),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'nself-jobs' } },
  });
  const board = adapter.registerPlugin() as unknown as Middleware;
  return async (ctx, next) => {
    await board(ctx, next);
    if (ctx.status >= 500 && ctx.body && typeof ctx.body === 'object' && 'details' in ctx.body) {
      delete (ctx.body as { details?: unknown }).details;
    }
  };
}
