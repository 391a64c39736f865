import { createPostgresBackend, runMigrations, withBackend, type QueueOptions, type WorkerOptions } from 'bullmq';
import pg from 'pg';
import { describeDatabase, postgresConnectionConfig, type RuntimeConfig } from '../config/index.js';
import type { QueueBackend } from './queue-backend.js';

/** The schema BullMQ keeps its queues in, beside the record. */
export const BULLMQ_SCHEMA = 'bullmq';

/**
 * BullMQ on PostgreSQL: the embedded default, so that one PostgreSQL is all a first
 * run needs. Same Queue/Worker API as on Redis (DESIGN.md section 2).
 */
export async function createPostgresQueueBackend(config: RuntimeConfig): Promise<QueueBackend> {
  const connection = config.database.connectionString
    ? { connectionString: config.database.connectionString }
    : postgresConnectionConfig(config);
  const pool = new pg.Pool({ ...connection, max: 20 });
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      await runMigrations(client, BULLMQ_SCHEMA);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`cannot reach PostgreSQL at ${describeDatabase(config)} for the queues: ${(error as Error).message}`);
  }
  const { Queue, Worker } = withBackend(createPostgresBackend);
  const closers: Array<{ close(): Promise<void> }> = [];
  const pgConnection = { ...connection, schema: BULLMQ_SCHEMA, max: 20 };
  return {
    kind: 'postgres',
    address: `${describeDatabase(config)} (schema ${BULLMQ_SCHEMA})`,
    createQueue(name, options: Omit<QueueOptions, 'connection'> = {}) {
      const queue = new Queue(name, { ...options, connection: pgConnection } as QueueOptions<typeof pgConnection>);
      closers.push(queue);
      return queue as never;
    },
    createWorker(name, processor, options: Omit<WorkerOptions, 'connection'> = {}) {
      const worker = new Worker(name, processor, { ...options, connection: pgConnection } as WorkerOptions<typeof pgConnection>);
      closers.push(worker);
      return worker as never;
    },
    async ping() {
      try {
        await pool.query('SELECT 1');
      } catch (error) {
        throw new Error(`cannot reach PostgreSQL at ${describeDatabase(config)}: ${(error as Error).message}`);
      }
    },
    async ensureReady() {
      // pg connects per query and fails fast on its own (connectionTimeoutMillis).
    },
    async close() {
      await Promise.allSettled(closers.map((c) => c.close()));
      await pool.end();
    },
  };
}
