import Koa from 'koa';
import type { Runtime } from '@nself-jobs/runtime';
import { apiKeyAuth, isUnder } from './auth.js';
import { dashboardMiddleware } from './dashboard.js';
import { errorMiddleware } from './error-middleware.js';
import { jsonBody } from './json-body.js';
import { healthRoutes } from './routes/health-routes.js';
import { jobControlRoutes } from './routes/job-control-routes.js';
import { jobRoutes } from './routes/job-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { queueRoutes } from './routes/queue-routes.js';
import { scheduleRoutes, scheduleRunRoutes } from './routes/schedule-routes.js';
import { statsRoutes } from './routes/stats-routes.js';

export interface AppOptions {
  /** Default runtime.config.apiKey (JOBS_API_KEY); when set, /api and the dashboard require it. */
  apiKey?: string;
  /** Default runtime.config.dashboard (JOBS_DASHBOARD_ENABLED, JOBS_DASHBOARD_PATH). */
  dashboard?: { enabled: boolean; path: string };
  /** Largest request body in bytes; default runtime.config.bodyLimit (JOBS_BODY_LIMIT, 1 MiB). */
  bodyLimit?: number;
}

/**
 * The Koa app of nself-jobs: REST API under /api, BullBoard at the dashboard path, /health,
 * /ready and /metrics (Prometheus; open unless JOBS_METRICS_REQUIRE_KEY=true). It does not
 * listen (startServer does), so it can be mounted or tested as is.
 */
export function createApp(runtime: Runtime, options: AppOptions = {}): Koa {
  const apiKey = options.apiKey ?? runtime.config.apiKey;
  const dashboard = options.dashboard ?? runtime.config.dashboard;
  const bodyLimit = options.bodyLimit ?? runtime.config.bodyLimit;
  const dashboardPath = dashboard.enabled ? dashboard.path : undefined;

  const app = new Koa();
  // Errors that escape the error middleware (BullBoard emits its own): logged, never printed raw.
  app.on('error', (error: Error) => runtime.log.error({ err: error }, 'http server error'));

  app.use(errorMiddleware(runtime.log));
  app.use(async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    await next();
  });
  app.use(apiKeyAuth(apiKey, dashboardPath));

  const health = healthRoutes(runtime, apiKey);
  app.use(health.routes()).use(health.allowedMethods());

  if (dashboardPath !== undefined) app.use(dashboardMiddleware(runtime, dashboardPath));

  const metrics = metricsRoutes(runtime, apiKey);
  app.use(metrics.routes()).use(metrics.allowedMethods());

  // Operations take no body: they come before the JSON body parser, which requires one for every POST.
  const bodyless = [jobControlRoutes(runtime), queueRoutes(runtime), scheduleRunRoutes(runtime)];
  for (const router of bodyless) app.use(router.routes());

  const parseBody = jsonBody(bodyLimit);
  app.use((ctx, next) => (isUnder(ctx.path, '/api') ? parseBody(ctx, next) : next()));
  for (const router of [jobRoutes(runtime), statsRoutes(runtime), scheduleRoutes(runtime)]) {
    app.use(router.routes()).use(router.allowedMethods());
  }
  for (const router of bodyless) app.use(router.allowedMethods());
  return app;
}
