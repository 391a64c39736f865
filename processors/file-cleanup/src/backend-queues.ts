import { createPostgresBackend, Queue, withBackend, type QueueOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { BackendSettings, DatabaseConfig } from './settings.js';

/** The schema BullMQ's PostgreSQL backend keeps its queues in (the runtime's choice too). */
export const BULLMQ_SCHEMA = 'bullmq';

/** The part of a BullMQ Queue this processor uses. */
export interface CleanableQueue {
  clean(graceMs: number, limit: number, type: 'completed' | 'failed'): Promise<string[]>;
  close(): Promise<void>;
}

/** BullMQ queues on whichever backend the runtime uses; one Queue object per name, made on first use. */
export interface BackendQueues {
  readonly kind: BackendSettings['kind'];
  readonly address: string;
  queue(name: string): CleanableQueue;
  close(): Promise<void>;
}

/**
 * Connects the way the runtime does (packages/runtime/src/backend/*-backend.ts), with bullmq, ioredis
 * and pg directly since a processor cannot import the runtime: Redis with JOBS_QUEUE_PREFIX, or
 * BullMQ's PostgreSQL backend in schema "bullmq" of the record's database (where prefixes do not apply).
 * Nothing connects until the first command.
 */
export function openBackendQueues(settings: BackendSettings, database: DatabaseConfig): BackendQueues {
  return settings.kind === 'redis' ? redisQueues(settings.url, settings.prefix, settings.address) : postgresQueues(database, settings.address);
}

function redisQueues(url: string, prefix: string, address: string): BackendQueues {
  // A bounded number of retries per command: a Redis that stays down fails the attempt
  // (which is then retried) instead of hanging it.
  const connection = new Redis(url, { maxRetriesPerRequest: 3, connectTimeout: 10_000, lazyConnect: true });
  connection.on('error', () => {
    // Surfaced through the failing command; without a listener ioredis prints every reconnect.
  });
  const queues = new Map<string, Queue>();
  return {
    kind: 'redis',
    address,
    queue(name) {
      let queue = queues.get(name);
      if (!queue) {
        queue = new Queue(name, { prefix, connection });
        queue.on('error', () => {});
        queues.set(name, queue);
      }
      return queue;
    },
    async close() {
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
      queues.clear();
      connection.disconnect();
    },
  };
}

function postgresQueues(database: DatabaseConfig, address: string): BackendQueues {
  const { Queue: PostgresQueue } = withBackend(createPostgresBackend);
  // The config-object form, so that BullMQ pins search_path to its schema; it owns (and closes) the pool.
  const connection = { ...database, schema: BULLMQ_SCHEMA, max: 2 };
  const queues = new Map<string, CleanableQueue & { on(event: 'error', listener: () => void): unknown }>();
  return {
    kind: 'postgres',
    address,
    queue(name) {
      let queue = queues.get(name);
      if (!queue) {
        queue = new PostgresQueue(name, { connection } as QueueOptions<typeof connection>);
        queue.on('error', () => {});
        queues.set(name, queue);
      }
      return queue;
    },
    async close() {
      await Promise.allSettled([...queues.values()].map((q) => q.close()));
      queues.clear();
    },
  };
}
