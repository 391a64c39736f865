import type pg from 'pg';
import type { Logger } from '../logger.js';

/**
 * How a request to stop a running job reaches the worker process that holds it.
 *
 * A running job is locked by one worker in one process; only that process can abort it
 * (WorkerPool.cancel, through its job runner). Every process that runs workers LISTENs on this PostgreSQL
 * channel of the record's database, which exists whatever the queue backend is (Redis or
 * BullMQ's PostgreSQL backend), so one mechanism serves both. The requester NOTIFYs
 * `{schema, queue, id}`; each listener asks its workers to cancel that id, and only the one
 * holding it does anything. NOTIFY is not stored: a listener that is reconnecting at that
 * moment misses it, so the requester repeats it until the job leaves `active` (see cancelJob).
 */
export const CANCEL_CHANNEL = 'nself_jobs_cancel';

export interface CancelRequest {
  /** The record's schema: deployments sharing one database ignore each other's requests. */
  schema: string;
  queue: string;
  /** The BullMQ job id. */
  id: string;
}

export async function publishCancel(pool: pg.Pool, request: CancelRequest): Promise<void> {
  await pool.query('SELECT pg_notify($1, $2)', [CANCEL_CHANNEL, JSON.stringify(request)]);
}

/** Holds one connection that LISTENs for cancel requests and hands those of `schema` to `onCancel`. */
export class CancelListener {
  private client: pg.PoolClient | undefined;
  private connecting: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  private warned = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly log: Logger,
    private readonly onCancel: (request: CancelRequest) => void,
    private readonly retryMs = 1000,
  ) {}

  /** Connects when not connected; never throws (a failure is logged and retried). */
  start(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => { this.connecting = undefined; });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      const held = client;
      held.on('error', (error) => this.drop(held, error));
      held.on('notification', (message) => {
        if (message.channel === CANCEL_CHANNEL && message.payload) this.handle(message.payload);
      });
      await held.query(`LISTEN ${CANCEL_CHANNEL}`);
      if (this.closed) {
        held.release(true);
        return;
      }
      this.client = held;
      if (this.warned) this.log.info('cancel requests: listening again');
      this.warned = false;
    } catch (error) {
      client?.release(true);
      if (!this.warned) this.log.warn({ err: error }, 'cancel requests: cannot LISTEN; retrying (running jobs cannot be cancelled meanwhile)');
      this.warned = true;
      this.scheduleRetry();
    }
  }

  private handle(payload: string): void {
    let request: CancelRequest;
    try {
      request = JSON.parse(payload) as CancelRequest;
    } catch {
      return;
    }
    if (request.schema !== this.schema || typeof request.id !== 'string' || typeof request.queue !== 'string') return;
    this.onCancel(request);
  }

  private drop(client: pg.PoolClient, error: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.release(true);
    if (this.closed) return;
    this.log.warn({ err: error }, 'cancel requests: lost the LISTEN connection; reconnecting');
    this.warned = true;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.start();
    }, this.retryMs);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    client?.release(true);
  }
}
