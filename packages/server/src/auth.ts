import crypto from 'node:crypto';
import type { Middleware } from 'koa';
import { ApiError } from './api-error.js';

export const AUTH_REALM = 'nself-jobs';

/**
 * True when the Authorization header carries the key: `Bearer <key>`, or HTTP basic with
 * the key as password (any user name) so that a browser can open the dashboard.
 * Compared in constant time (both sides hashed first, so lengths leak nothing either).
 */
export function headerHasKey(header: string | undefined, key: string): boolean {
  if (!header) return false;
  const [scheme, credentials = ''] = header.trim().split(/\s+/, 2);
  let candidate: string | undefined;
  if (/^bearer$/i.test(scheme)) candidate = credentials;
  else if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    candidate = colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  if (candidate === undefined) return false;
  const digest = (value: string) => crypto.createHash('sha256').update(value, 'utf8').digest();
  return crypto.timingSafeEqual(digest(candidate), digest(key));
}

export function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

/**
 * With a key configured, every /api route and the dashboard require it; /health and
 * /ready stay open. The dashboard answers 401 with a Basic challenge (the browser then asks
 * for the key), the API with a Bearer one; both with the usual JSON error body.
 */
export function apiKeyAuth(key: string | undefined, dashboardPath: string | undefined): Middleware {
  return async (ctx, next) => {
    if (!key || ctx.path === '/health' || ctx.path === '/ready') return next();
    const dashboard = dashboardPath !== undefined && isUnder(ctx.path, dashboardPath);
    if (!dashboard && !isUnder(ctx.path, '/api')) return next();
    if (headerHasKey(ctx.get('authorization') || undefined, key)) return next();
    throw new ApiError(401, 'UNAUTHORIZED', 'this server needs its API key: Authorization: Bearer <JOBS_API_KEY>', null, {
      'WWW-Authenticate': dashboard ? `Basic realm="${AUTH_REALM}", charset="UTF-8"` : `Bearer realm="${AUTH_REALM}"`,
    });
  };
}
