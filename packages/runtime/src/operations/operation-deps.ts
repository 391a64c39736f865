import type pg from 'pg';
import type { Queue } from 'bullmq';
import type { RuntimeConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { ProcessorRegistry } from '../registry/index.js';

/** What the operations on jobs and queues need from the runtime. */
export interface OperationDeps {
  pool: pg.Pool;
  quotedSchema: string;
  config: RuntimeConfig;
  registry: ProcessorRegistry;
  log: Logger;
  queue(name: string): Queue;
  /** Resolves once the backend is connected; rejects naming its address (QueueBackend.ensureReady). */
  ensureBackendReady(): Promise<void>;
  /** Told about each job put back into a queue by hand (metrics). */
  onRetried?(job: { queue: string; type: string }): void;
  /** Told about each job cancelled by hand (metrics). */
  onCancelled?(job: { queue: string; type: string }): void;
}
