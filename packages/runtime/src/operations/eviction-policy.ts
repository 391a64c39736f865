import { Redis } from 'ioredis';
import { maskRedisUrl } from '../backend/redis-backend.js';
import { ConfigError } from '../config/config-error.js';
import type { RuntimeConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { opsSettings } from './ops-settings.js';

export type EvictionCheck =
  | { result: 'ok'; policy: 'noeviction' }
  | { result: 'allowed'; policy: string }
  | { result: 'unknown'; reason: string }
  | { result: 'unreachable'; reason: string };

export interface EvictionCheckOptions {
  /** The Redis URL (credentials included); `address` is what messages show. */
  url: string;
  address: string;
  allowEviction: boolean;
  log: Logger;
  timeoutMs?: number;
}

/**
 * BullMQ keeps every job in Redis keys: a Redis allowed to evict keys under memory pressure
 * (any maxmemory-policy but noeviction) silently loses jobs. Reads the policy with CONFIG GET,
 * or from INFO memory where CONFIG is disabled (managed Redis), and refuses anything else than
 * noeviction with a ConfigError, unless JOBS_ALLOW_EVICTION=true (then a loud warning).
 * A Redis that does not answer is not this check's business: it says `unreachable` and the
 * commands that need Redis report it with its address.
 */
export async function checkEvictionPolicy(options: EvictionCheckOptions): Promise<EvictionCheck> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const client = new Redis(options.url, {
    lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    try {
      await client.connect();
    } catch (error) {
      return { result: 'unreachable', reason: (error as Error).message };
    }
    const policy = await readPolicy(client);
    if (policy === undefined) {
      options.log.warn({ redis: options.address }, 'cannot read Redis maxmemory-policy (CONFIG and INFO refused): make sure it is noeviction, or jobs may be lost');
      return { result: 'unknown', reason: 'CONFIG GET and INFO memory refused' };
    }
    if (policy === 'noeviction') return { result: 'ok', policy };
    const problem = `Redis at ${options.address} has maxmemory-policy "${policy}": under memory pressure it evicts keys and silently loses jobs. `
      + 'Set it to noeviction (maxmemory-policy noeviction in redis.conf, or CONFIG SET maxmemory-policy noeviction)';
    if (!options.allowEviction) throw new ConfigError([`${problem}, or set JOBS_ALLOW_EVICTION=true to run anyway`]);
    options.log.warn({ redis: options.address, policy }, `${problem}. Running anyway because JOBS_ALLOW_EVICTION=true: JOBS MAY BE LOST`);
    return { result: 'allowed', policy };
  } finally {
    client.disconnect();
  }
}

async function readPolicy(client: Redis): Promise<string | undefined> {
  try {
    const reply = (await client.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
    if (Array.isArray(reply) && typeof reply[1] === 'string') return reply[1];
  } catch {
    // CONFIG is often disabled or renamed on managed Redis: INFO carries the same value.
  }
  try {
    const info = await client.info('memory');
    return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * The check as the runtime runs it: for a Redis backend only, with JOBS_ALLOW_EVICTION from the
 * configuration. Resolves false when Redis did not answer (nothing was checked: try again later).
 */
export async function guardRedisEviction(config: Pick<RuntimeConfig, 'redisUrl' | 'env'>, log: Logger): Promise<boolean> {
  if (!config.redisUrl) return true;
  const check = await checkEvictionPolicy({
    url: config.redisUrl, address: maskRedisUrl(config.redisUrl), allowEviction: opsSettings(config).allowEviction, log,
  });
  return check.result !== 'unreachable';
}
