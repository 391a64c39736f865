import { Router } from '@koa/router';
import { opsSettings, type Runtime } from '@nself-jobs/runtime';
import { ApiError } from '../api-error.js';
import { AUTH_REALM, headerHasKey } from '../auth.js';

/**
 * GET /metrics in the Prometheus text format. Open by default, like /health: scrapers are
 * usually configured without credentials and the metrics hold counts and durations by queue
 * and job type, no payloads. JOBS_METRICS_REQUIRE_KEY=true makes it ask for JOBS_API_KEY
 * (Authorization: Bearer, as Prometheus' `authorization` scrape setting sends it).
 */
export function metricsRoutes(runtime: Runtime, apiKey: string | undefined): Router {
  const requireKey = Boolean(apiKey) && opsSettings(runtime.config).metricsRequireKey;
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    if (requireKey && !headerHasKey(ctx.get('authorization') || undefined, apiKey!)) {
      throw new ApiError(401, 'UNAUTHORIZED', 'metrics need the API key (JOBS_METRICS_REQUIRE_KEY=true): Authorization: Bearer <JOBS_API_KEY>', null,
        { 'WWW-Authenticate': `Bearer realm="${AUTH_REALM}"` });
    }
    const { contentType, body } = await runtime.metrics.render();
    ctx.type = contentType;
    ctx.body = body;
  });
  return router;
}
