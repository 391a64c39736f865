import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startPostgres, startRedis } from '../../packages/test-helpers/src/index.js';

/** The Redis and PostgreSQL a run uses: private servers it started, or the ones the environment names. */
export interface BenchServices {
  redisUrl: string;
  databaseUrl: string;
  /** A schema of its own, dropped at the end, so that a given database is left as it was. */
  schema: string;
  /** `private` when started here, `given` when taken from the environment. */
  redisOrigin: 'private' | 'given';
  postgresOrigin: 'private' | 'given';
  redisVersion: string;
  postgresVersion: string;
  /** An ioredis client for INFO and cleanup. */
  redis: Redis;
  /** A small pool for counting rows and reading CPU; not the runtime's. */
  pool: pg.Pool;
  stop(): Promise<void>;
}

export async function startServices(env: NodeJS.ProcessEnv): Promise<BenchServices> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    // Last started, first stopped; each at most once.
    for (let stop = stops.pop(); stop; stop = stops.pop()) await stop().catch(() => {});
  };
  try {
    let redisUrl = env.JOBS_REDIS_URL;
    if (!redisUrl) {
      const redis = await startRedis();
      stops.push(() => redis.stop());
      redisUrl = redis.url;
    }
    let databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) {
      const postgres = await startPostgres();
      stops.push(() => postgres.stop());
      databaseUrl = postgres.url;
    }
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    redis.on('error', () => {});
    stops.push(async () => { redis.disconnect(); });
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    pool.on('error', () => {});
    stops.push(() => pool.end());

    const schema = `bench_${crypto.randomBytes(4).toString('hex')}`;
    // Dropped before the pool ends (stops run in reverse).
    stops.push(async () => { await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); });

    const redisInfo = await redis.info('server');
    const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
    return {
      redisUrl,
      databaseUrl,
      schema,
      redisOrigin: env.JOBS_REDIS_URL ? 'given' : 'private',
      postgresOrigin: env.DATABASE_URL ? 'given' : 'private',
      redisVersion: /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? '?',
      postgresVersion: rows[0].server_version.split(' ')[0],
      redis,
      pool,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
