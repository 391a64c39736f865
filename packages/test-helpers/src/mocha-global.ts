import { startPostgres, type RunningPostgres } from './postgres-server.js';
import { startRedis, type RunningRedis } from './redis-server.js';

let redis: RunningRedis | undefined;
let postgres: RunningPostgres | undefined;

/** Mocha global fixture: one real Redis and one real PostgreSQL for the whole run. */
export async function mochaGlobalSetup(): Promise<void> {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  process.env.TEST_REDIS_URL = redis.url;
  process.env.TEST_POSTGRES_URL = postgres.url;
  process.env.TEST_POSTGRES_BIN_DIR = postgres.binDir;
}

export async function mochaGlobalTeardown(): Promise<void> {
  await Promise.all([redis?.stop(), postgres?.stop()]);
}
