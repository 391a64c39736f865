import pg from 'pg';
import { openBackendQueues, type BackendQueues } from './backend-queues.js';
import type { CleanupSettings } from './settings.js';

/**
 * The record's pool and the backend's queues, opened on first use (a worker that never runs a
 * cleanup job never connects) and kept for the next job until close().
 */
export class CleanupConnections {
  private recordPool: pg.Pool | undefined;
  private queues: BackendQueues | undefined;

  constructor(private readonly settings: CleanupSettings) {}

  pool(): pg.Pool {
    if (!this.recordPool) {
      this.recordPool = new pg.Pool({ ...this.settings.database, max: 2, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 10_000 });
      this.recordPool.on('error', () => {
        // An idle client dropped by the server: the next query opens another one.
      });
    }
    return this.recordPool;
  }

  backend(): BackendQueues {
    this.queues ??= openBackendQueues(this.settings.backend, this.settings.database);
    return this.queues;
  }

  async close(): Promise<void> {
    const { recordPool, queues } = this;
    this.recordPool = undefined;
    this.queues = undefined;
    await Promise.allSettled([queues?.close(), recordPool?.end()]);
  }
}
