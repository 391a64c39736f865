import { Router } from '@koa/router';
import { recordMigrationsPending, type Runtime } from '@nself-jobs/runtime';
import { headerHasKey } from '../auth.js';
import { withTimeout } from '../store-errors.js';

const CHECK_TIMEOUT_MS = 3000;

type Check = { status: 'ok' } | { status: 'fail'; reason: string };

/**
 * GET /health: the process answers (always 200). GET /ready: the queue backend pings, the
 * database answers and no record migration is pending, else 503 with a reason per check.
 * Both stay open with an API key set; then only a caller with the key sees error messages
 * (which name hosts), others a generic reason.
 */
export function healthRoutes(runtime: Runtime, apiKey: string | undefined): Router {
  const router = new Router();

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/ready', async (ctx) => {
    const detailed = !apiKey || headerHasKey(ctx.get('authorization') || undefined, apiKey);
    const check = async (name: string, work: () => Promise<string | undefined>): Promise<Check> => {
      try {
        const problem = await withTimeout(work(), CHECK_TIMEOUT_MS);
        return problem ? { status: 'fail', reason: problem } : { status: 'ok' };
      } catch (error) {
        runtime.log.warn({ check: name, err: (error as Error).message }, 'readiness check failed');
        return { status: 'fail', reason: detailed ? (error as Error).message : `${name} did not answer (details in the server log)` };
      }
    };
    const [backend, database, migrations] = await Promise.all([
      check('backend', async () => { await runtime.backend.ping(); return undefined; }),
      check('database', async () => { await runtime.pool.query('SELECT 1'); return undefined; }),
      check('migrations', async () => {
        const pending = await recordMigrationsPending(runtime.pool, runtime.config.database.schema);
        return pending.length > 0 ? `record migrations not applied: ${pending.join(', ')} (run jobs init)` : undefined;
      }),
    ]);
    const checks = { backend, database, migrations };
    const ready = Object.values(checks).every((c) => c.status === 'ok');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not ready', checks };
  });

  return router;
}
