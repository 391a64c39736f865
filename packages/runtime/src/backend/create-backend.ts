import type { RuntimeConfig } from '../config/index.js';
import type { QueueBackend } from './queue-backend.js';
import { createRedisBackend } from './redis-backend.js';

/** Redis when JOBS_REDIS_URL is set; otherwise BullMQ's PostgreSQL backend in the record's database. */
export async function createBackend(config: RuntimeConfig): Promise<QueueBackend> {
  if (config.redisUrl) return createRedisBackend(config.redisUrl, config.queuePrefix);
  const { createPostgresQueueBackend } = await import('./postgres-backend.js');
  return createPostgresQueueBackend(config);
}
