import type { BackendClasses, IQueueBackend, Job, Queue, Worker, WorkerOptions, QueueOptions } from 'bullmq';

/**
 * The one seam between the runtime and where jobs execute. BullMQ offers the same
 * Queue/Worker API on Redis (production) and on PostgreSQL (the embedded default);
 * everything above this interface is the same for both.
 */
export interface QueueBackend {
  readonly kind: 'redis' | 'postgres';
  /** Where it connects, without credentials, for messages. */
  readonly address: string;
  createQueue(name: string, options?: Omit<QueueOptions, 'connection'>): Queue;
  createWorker(
    name: string,
    processor: (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown>,
    options?: Omit<WorkerOptions, 'connection'>,
  ): Worker;
  /** Resolves when the backend answers; rejects with a message naming the address. */
  ping(): Promise<void>;
  /**
   * Resolves at once while connected; otherwise waits up to `timeoutMs` for the
   * connection, then rejects. Called before adding jobs, since BullMQ itself would
   * wait for an unreachable Redis forever.
   */
  ensureReady(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBackendClasses = BackendClasses<IQueueBackend, any>;
