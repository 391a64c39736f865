import { Queue, Worker, type QueueOptions, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { QueueBackend } from './queue-backend.js';

/** Credentials out of a Redis URL, for messages and logs. */
export function maskRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable redis url)';
  }
}

/** BullMQ on Redis: the production backend. */
export function createRedisBackend(redisUrl: string, prefix: string): QueueBackend {
  const address = maskRedisUrl(redisUrl);
  // One shared connection for queues; BullMQ duplicates it for each worker's
  // blocking connection. `maxRetriesPerRequest: null` is what BullMQ workers require.
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', () => {
    // Reported through ping() and the workers' own error events; without a
    // listener ioredis would print every reconnect attempt to stderr.
  });
  const closers: Array<{ close(): Promise<void> }> = [];

  return {
    kind: 'redis',
    address,
    createQueue(name, options: Omit<QueueOptions, 'connection'> = {}) {
      const queue = new Queue(name, { prefix, ...options, connection });
      // Without a listener BullMQ prints every reconnect error with its stack;
      // connection problems surface through ensureReady() and ping() instead.
      queue.on('error', () => {});
      closers.push(queue);
      return queue;
    },
    createWorker(name, processor, options: Omit<WorkerOptions, 'connection'> = {}) {
      const worker = new Worker(name, processor, { prefix, ...options, connection });
      closers.push(worker);
      return worker;
    },
    async ping() {
      try {
        await withTimeout(connection.ping(), 5000);
      } catch (error) {
        throw new Error(`cannot reach Redis at ${address}: ${(error as Error).message}`);
      }
    },
    async ensureReady(timeoutMs = 5000) {
      if (connection.status === 'ready') return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          connection.off('ready', onReady);
          reject(new Error(`cannot reach Redis at ${address}: not connected after ${timeoutMs} ms`));
        }, timeoutMs);
        const onReady = () => { clearTimeout(timer); resolve(); };
        connection.once('ready', onReady);
      });
    },
    async close() {
      await Promise.allSettled(closers.map((c) => c.close()));
      connection.disconnect();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}
