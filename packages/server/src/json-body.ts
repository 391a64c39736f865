import type { Middleware } from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { ApiError } from './api-error.js';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Parses JSON request bodies of the API into ctx.request.body. Only application/json is
 * accepted (415 otherwise); a body that is not JSON, or not an object or array, is a 400;
 * one over `limit` bytes is a 413, found while reading, so it is never buffered whole.
 */
export function jsonBody(limit: number): Middleware {
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: limit, jsonStrict: true, encoding: 'utf-8' });
  return async (ctx, next) => {
    if (!WITH_BODY.has(ctx.method)) return next();
    const type = ctx.is('application/json');
    if (type === null || ctx.request.length === 0) throw new ApiError(400, 'BODY_INVALID', 'a JSON body is required');
    if (type === false) {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `the body must be application/json, not ${ctx.get('content-type') || 'untyped'}`);
    }
    try {
      await parse(ctx, async () => {});
    } catch (error) {
      throw bodyError(error, limit);
    }
    return next();
  };
}

function bodyError(error: unknown, limit: number): ApiError | unknown {
  const { status, type } = error as { status?: number; type?: string };
  if (status === 413 || type === 'entity.too.large') {
    return new ApiError(413, 'BODY_TOO_LARGE', `the body is larger than the limit of ${limit} bytes (JOBS_BODY_LIMIT)`, { limit });
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported' || status === 415) {
    return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be JSON in UTF-8');
  }
  if (status === 400) {
    return new ApiError(400, 'BODY_INVALID', 'the body is not valid JSON (an object was expected)');
  }
  return error;
}
