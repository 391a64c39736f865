import type { LookupFunction } from 'node:net';
import { defaultUserAgent } from './user-agent.js';

/** Env var that lets jobs reach link-local / cloud-metadata addresses. */
export const ALLOW_LINK_LOCAL_ENV = 'JOBS_HTTP_ALLOW_LINK_LOCAL';

/** What setup decides once per worker process. */
export interface HttpRequestSettings {
  allowLinkLocal: boolean;
  userAgent: string;
  /** Resolver behind the address guard; only tests replace dns.lookup. */
  resolve?: LookupFunction;
}

/**
 * Only the exact string "true" opens the guard: a typo or "0" must leave it closed, since the
 * guard is what keeps job payloads away from cloud credentials.
 */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): HttpRequestSettings {
  return { allowLinkLocal: env[ALLOW_LINK_LOCAL_ENV] === 'true', userAgent: defaultUserAgent() };
}
