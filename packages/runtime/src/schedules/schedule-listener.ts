import type pg from 'pg';
import type { Logger } from '../logger.js';

/** The channel ScheduleStore notifies on every change (payload: the schedule's name); anyone may NOTIFY it. */
export const SCHEDULES_CHANNEL = 'nself_jobs_schedules';

/**
 * Holds one connection that LISTENs on SCHEDULES_CHANNEL and calls `onChange` for every
 * notification. A lost connection is reopened at the next `ensure()`; meanwhile the
 * scheduler still polls, so a change is late by at most its poll interval, never lost.
 */
export class ScheduleListener {
  private client: pg.PoolClient | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private warned = false;

  constructor(private readonly pool: pg.Pool, private readonly log: Logger, private readonly onChange: () => void) {}

  /** Connects when not connected; never throws. */
  ensure(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => { this.connecting = undefined; });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      const onError = (error: Error) => this.drop(client!, error);
      client.on('error', onError);
      client.on('notification', (message) => { if (message.channel === SCHEDULES_CHANNEL) this.onChange(); });
      await client.query(`LISTEN ${SCHEDULES_CHANNEL}`);
      if (this.closed) {
        client.release(true);
        return;
      }
      this.client = client;
      if (this.warned) this.log.info('schedule changes: listening again');
      this.warned = false;
      this.onChange(); // changes made while not listening
    } catch (error) {
      client?.release(true);
      if (!this.warned) this.log.warn({ err: error }, 'schedule changes: cannot LISTEN; polling only until the database answers');
      this.warned = true;
    }
  }

  private drop(client: pg.PoolClient, error: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.release(true); // destroys the broken connection
    if (!this.closed) {
      this.log.warn({ err: error }, 'schedule changes: lost the LISTEN connection; reconnecting');
      this.warned = true;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    // Destroyed rather than returned to the pool: it carries our listeners and its LISTEN.
    client?.release(true);
  }
}
