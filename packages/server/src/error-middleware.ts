import type { Middleware } from 'koa';
import { isJobsError, type JobsErrorCode, type Logger } from '@nself-jobs/runtime';
import { ApiError, errorBody } from './api-error.js';

/** The runtime's error codes as HTTP statuses: the only place they are mapped. */
export const STATUS_OF_CODE: Readonly<Record<JobsErrorCode, number>> = Object.freeze({
  OPTIONS_INVALID: 400,
  QUEUE_UNKNOWN: 400,
  UNKNOWN_TYPE: 422,
  PAYLOAD_INVALID: 422,
  JOB_NOT_FOUND: 404,
  JOB_CONFLICT: 409,
  QUEUE_NOT_FOUND: 404,
  BACKEND_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  SCHEDULE_NOT_FOUND: 404,
  SCHEDULE_EXISTS: 409,
});

const CODE_OF_STATUS: Readonly<Record<number, string>> = Object.freeze({
  400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE', 413: 'BODY_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 501: 'NOT_IMPLEMENTED',
});

/**
 * Outermost middleware: whatever goes wrong below becomes {"error": {code, message, details}}.
 * Client errors say what is wrong; anything unexpected is a 500 "internal error", logged
 * with its stack, and the stack never reaches the client. An empty 404/405 from routing gets
 * the same JSON shape.
 */
export function errorMiddleware(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status >= 400 && ctx.body == null && ctx.method !== 'HEAD') {
        const { status } = ctx; // setting a body would turn Koa's implicit 404 into a 200
        ctx.body = errorBody(CODE_OF_STATUS[status] ?? 'HTTP_ERROR', status === 404 ? `no route for ${ctx.method} ${ctx.path}` : ctx.message);
        ctx.status = status;
      }
    } catch (error) {
      const { status, body, headers } = errorResponse(error, log, `${ctx.method} ${ctx.path}`);
      ctx.status = status;
      ctx.set(headers);
      ctx.body = body;
    }
  };
}

function errorResponse(error: unknown, log: Logger, request: string): { status: number; body: unknown; headers: Record<string, string> } {
  if (error instanceof ApiError) {
    return { status: error.status, body: errorBody(error.code, error.message, error.details), headers: error.headers };
  }
  if (isJobsError(error)) {
    const status = STATUS_OF_CODE[error.code] ?? 500;
    if (status >= 500) log.warn({ code: error.code, err: error.message, request }, 'request failed: a store is unavailable');
    return { status, body: errorBody(error.code, error.message, error.details), headers: {} };
  }
  // http-errors from Koa and its middleware (ctx.throw, koa-static's path checks...): 4xx ones are meant for the client.
  const httpError = error as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof httpError.status === 'number' && httpError.status >= 400 && httpError.status < 500 && httpError.expose === true) {
    const status = httpError.status;
    return { status, body: errorBody(CODE_OF_STATUS[status] ?? 'HTTP_ERROR', String(httpError.message)), headers: {} };
  }
  log.error({ err: error, request }, 'unexpected error while handling a request');
  return { status: 500, body: errorBody('INTERNAL', 'internal error'), headers: {} };
}
