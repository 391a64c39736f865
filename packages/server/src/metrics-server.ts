import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { Runtime } from '@nself-jobs/runtime';
import { errorMiddleware } from './error-middleware.js';
import { metricsRoutes } from './routes/metrics-routes.js';

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464/metrics */
  url: string;
  close(): Promise<void>;
}

/**
 * Only GET /metrics (and /health), for processes that serve no API: `jobs worker --metrics-port`.
 * Its counters are this process's (the jobs its workers ran); Prometheus sums the processes.
 */
export async function startMetricsServer(runtime: Runtime, options: { host?: string; port: number }): Promise<MetricsServer> {
  const app = new Koa();
  app.use(errorMiddleware(runtime.log));
  app.use(async (ctx, next) => {
    if (ctx.path === '/health') ctx.body = { status: 'ok' };
    else await next();
  });
  const router = metricsRoutes(runtime, runtime.config.apiKey);
  app.use(router.routes()).use(router.allowedMethods());
  const server = http.createServer(app.callback());
  const host = options.host ?? runtime.config.dashboard.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE'
      ? new Error(`cannot serve metrics: port ${options.port} on ${host} is already in use (--metrics-port)`) : error));
    server.listen({ host, port: options.port }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
