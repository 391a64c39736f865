import { Router } from '@koa/router';
import type { EnqueuedJob, Runtime, Schedule } from '@nself-jobs/runtime';
import { ApiError, parameterError, type Problem } from '../api-error.js';
import { fromDatabase } from '../store-errors.js';

type Query = Record<string, string | string[] | undefined>;

const CREATE_FIELDS = ['name', 'type', 'cron', 'timezone', 'payload', 'queue', 'options', 'description', 'enabled', 'missedPolicy'];
const UPDATE_FIELDS = CREATE_FIELDS.filter((f) => f !== 'name');
const PREVIEW_PARAMS = ['cron', 'tz', 'count'];
export const MAX_PREVIEW_COUNT = 50;
const NEXT_RUNS = 5;

/**
 * GET/POST /api/schedules, GET /api/schedules/preview, GET/PATCH/DELETE /api/schedules/:name.
 * Validation is the ScheduleStore's (OPTIONS_INVALID 400, UNKNOWN_TYPE / PAYLOAD_INVALID 422,
 * SCHEDULE_NOT_FOUND 404, SCHEDULE_EXISTS 409); it stores nothing when it refuses. This edge
 * only refuses fields and parameters it does not know.
 */
export function scheduleRoutes(runtime: Runtime): Router {
  const router = new Router({ prefix: '/api/schedules' });
  const store = runtime.schedules;
  const detailed = (schedule: Schedule) => ({ ...schedule, nextRuns: store.nextRuns(schedule, NEXT_RUNS) });

  router.get('/', async (ctx) => {
    noParameters(ctx.query);
    ctx.body = { schedules: await fromDatabase(store.list()) };
  });

  router.post('/', async (ctx) => {
    const body = bodyOf(ctx.request.body, CREATE_FIELDS);
    const schedule = await fromDatabase(store.create(body));
    ctx.status = 201;
    ctx.body = detailed(schedule);
  });

  // Before /:name, or "preview" would be taken for a schedule's name.
  router.get('/preview', (ctx) => {
    const { cron, timezone, count } = previewParams(ctx.query);
    ctx.body = { cron, timezone, count, runs: store.preview({ cron, timezone, count }) };
  });

  router.get('/:name', async (ctx) => {
    noParameters(ctx.query);
    ctx.body = detailed(await fromDatabase(store.get(ctx.params.name)));
  });

  router.patch('/:name', async (ctx) => {
    const body = bodyOf(ctx.request.body, UPDATE_FIELDS);
    ctx.body = detailed(await fromDatabase(store.update(ctx.params.name, body)));
  });

  router.delete('/:name', async (ctx) => {
    await fromDatabase(store.delete(ctx.params.name));
    ctx.status = 204;
  });

  return router;
}

/** POST /api/schedules/:name/run: one job now (also for a disabled schedule). Takes no body. */
export function scheduleRunRoutes(runtime: Runtime): Router {
  const router = new Router({ prefix: '/api/schedules' });
  router.post('/:name/run', async (ctx) => {
    const { name } = ctx.params;
    const job: EnqueuedJob = await fromDatabase(runtime.schedules.runNow(name));
    ctx.status = 201;
    ctx.body = { id: job.id, type: job.type, queue: job.queue, status: job.status, existing: job.existing, scheduleName: name };
  });
  return router;
}

/** A JSON object with only `allowed` fields; 400 BODY_INVALID naming every other one. */
function bodyOf(body: unknown, allowed: string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'BODY_INVALID', '/: must be an object', [{ path: '/', message: 'must be an object' }]);
  }
  const problems: Problem[] = Object.keys(body)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({
      path: `/${key}`,
      message: key === 'name' ? 'a schedule cannot be renamed (create a new one and delete this one)' : `unknown field "${key}" (allowed: ${allowed.join(', ')})`,
    }));
  if (problems.length > 0) throw new ApiError(400, 'BODY_INVALID', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  return body as Record<string, unknown>;
}

function noParameters(query: Query): void {
  const names = Object.keys(query);
  if (names.length > 0) throw parameterError(names.map((name) => ({ path: name, message: 'unknown parameter (this route takes none)' })));
}

function previewParams(query: Query): { cron: string; timezone: string; count: number } {
  const problems: Problem[] = [];
  for (const name of Object.keys(query)) {
    if (!PREVIEW_PARAMS.includes(name)) problems.push({ path: name, message: `unknown parameter (allowed: ${PREVIEW_PARAMS.join(', ')})` });
    else if (Array.isArray(query[name])) problems.push({ path: name, message: 'must be given once' });
  }
  const single = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
  const cron = single('cron');
  if (!Array.isArray(query.cron) && (cron === undefined || cron.trim() === '')) {
    problems.push({ path: 'cron', message: 'is required: a cron expression of 5 fields (6 with seconds), URL-encoded' });
  }
  const tz = single('tz');
  const timezone = tz === undefined || tz === '' ? 'UTC' : tz;
  const rawCount = single('count');
  let count = 5;
  if (rawCount !== undefined && rawCount !== '') {
    count = /^\d{1,3}$/.test(rawCount) ? Number(rawCount) : NaN;
    if (!(count >= 1 && count <= MAX_PREVIEW_COUNT)) problems.push({ path: 'count', message: `must be an integer from 1 to ${MAX_PREVIEW_COUNT}` });
  }
  if (problems.length > 0) throw parameterError(problems);
  return { cron: cron as string, timezone, count };
}
