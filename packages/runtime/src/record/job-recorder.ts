import pg from 'pg';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { buildFlushSql, writeBatchIsolatingBadRows } from './record-writer.js';
import { snapshotFromJob, type FailureRow, type JobSnapshot } from './job-snapshot.js';

export interface JobRecorderOptions {
  /** How long a change may wait before it is written (DESIGN.md: ~50 ms). */
  flushIntervalMs?: number;
  /** A batch this large is written at once, without waiting for the interval. */
  maxBatch?: number;
  /** An `active` state is written only for jobs still running after this long. */
  activeRowDelayMs?: number;
  /** Warn when this many changes wait, i.e. PostgreSQL does not keep up. */
  backlogWarning?: number;
}

interface Pending {
  /** The latest state; undefined while the job is merely `active` (see recordActive). */
  snapshot: JobSnapshot | undefined;
  /** For a job recorded by recordActive: its row is built at flush time, if still active then. */
  job: Job | undefined;
  since: number;
}

/**
 * Buffers lifecycle changes and writes them to the record in batches, off the
 * workers' hot path. It keeps only the latest state per job, so a job that starts
 * and finishes between two flushes costs a single row write.
 *
 * What a crash loses from this buffer is rebuilt by `reconcileRecord` from the
 * backend, which keeps finished jobs for JOBS_CLEAN_*_AFTER.
 */
export class JobRecorder {
  private readonly pending = new Map<string, Pending>();
  private failures: FailureRow[] = [];
  private readonly sql: string;
  private readonly opts: Required<JobRecorderOptions>;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private consecutiveErrors = 0;
  private closed = false;
  private lastBacklogWarning = 0;
  /** Written rows so far, for metrics and tests. */
  written = 0;

  constructor(private readonly pool: pg.Pool, quotedSchema: string, private readonly log: Logger, options: JobRecorderOptions = {}) {
    this.sql = buildFlushSql(quotedSchema);
    this.opts = { flushIntervalMs: 50, maxBatch: 2000, activeRowDelayMs: 100, backlogWarning: 50000, ...options };
  }

  /** Replaces whatever was pending for this job with its newer state. */
  record(snapshot: JobSnapshot): void {
    if (this.closed) throw new Error('job recorder is closed');
    const previous = this.pending.get(snapshot.id);
    this.pending.set(snapshot.id, { snapshot, job: undefined, since: previous?.since ?? Date.now() });
    this.afterChange();
  }

  /**
   * A job became active. Cheap on purpose: most jobs finish before their `active`
   * row would be due (activeRowDelayMs), and then their final state replaces it
   * unbuilt. `id` is the job's record id.
   */
  recordActive(id: string, job: Job): void {
    if (this.closed) throw new Error('job recorder is closed');
    const previous = this.pending.get(id);
    this.pending.set(id, { snapshot: undefined, job, since: previous?.since ?? Date.now() });
    this.afterChange();
  }

  recordFailure(row: FailureRow): void {
    if (this.closed) throw new Error('job recorder is closed');
    this.failures.push(row);
    this.afterChange();
  }

  get backlog(): number {
    return this.pending.size + this.failures.length;
  }

  /** Milliseconds the oldest waiting change has waited: the record's write lag. */
  get lagMs(): number {
    let oldest = Infinity;
    for (const { since } of this.pending.values()) if (since < oldest) oldest = since;
    return oldest === Infinity ? 0 : Date.now() - oldest;
  }

  /** Writes everything that is due now (young `active` states wait unless `all`). */
  async flush(all = false): Promise<void> {
    while (this.inFlight) await this.inFlight;
    const batch = this.takeBatch(all);
    if (batch.snapshots.length === 0 && batch.failures.length === 0) {
      // Only young `active` states wait: look again once they are old enough.
      if (this.backlog > 0) this.schedule(this.opts.activeRowDelayMs);
      return;
    }
    this.inFlight = this.write(batch).finally(() => { this.inFlight = undefined; });
    await this.inFlight;
  }

  /** Drains the buffer completely; used on shutdown. Retries for up to `timeoutMs`. */
  async close(timeoutMs = 15000): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + timeoutMs;
    while (this.backlog > 0 || this.inFlight) {
      try {
        await this.flush(true);
      } catch (error) {
        if (Date.now() > deadline) {
          this.log.error({ err: error, lost: this.backlog }, 'record: could not drain the buffer before shutdown; run `jobs init` to reconcile');
          return;
        }
        await sleep(200);
      }
    }
  }

  private afterChange(): void {
    if (this.backlog >= this.opts.maxBatch) {
      this.schedule(0);
    } else {
      this.schedule(this.opts.flushIntervalMs);
    }
    if (this.pending.size >= this.opts.backlogWarning && Date.now() - this.lastBacklogWarning > 10000) {
      this.lastBacklogWarning = Date.now();
      this.log.warn({ backlog: this.pending.size, lagMs: this.lagMs }, 'record: the write buffer keeps growing; PostgreSQL does not keep up');
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.inFlight) return;
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => { /* logged in write(); retried by the next schedule */ });
    }, delayMs);
  }

  private takeBatch(all: boolean): { snapshots: JobSnapshot[]; failures: FailureRow[] } {
    const snapshots: JobSnapshot[] = [];
    const youngActive = Date.now() - this.opts.activeRowDelayMs;
    for (const [id, entry] of this.pending) {
      if (snapshots.length >= this.opts.maxBatch) break;
      let snapshot = entry.snapshot;
      if (snapshot === undefined) {
        const job = entry.job!;
        if (!all && (job.processedOn ?? entry.since) > youngActive) continue;
        snapshot = snapshotFromJob(job, 'active', { completed_at: null });
      } else if (!all && snapshot.status === 'active' && snapshot.started_at && Date.parse(snapshot.started_at) > youngActive) {
        continue;
      }
      snapshots.push(snapshot);
      this.pending.delete(id);
    }
    const failures = this.failures.splice(0, this.opts.maxBatch);
    return { snapshots, failures };
  }

  private async write(batch: { snapshots: JobSnapshot[]; failures: FailureRow[] }): Promise<void> {
    try {
      const refused = await writeBatchIsolatingBadRows(this.pool, this.sql, batch.snapshots, batch.failures);
      for (const { id, error } of refused) {
        this.log.error({ err: error, jobId: id }, 'record: PostgreSQL refused this job\'s row; it is left out of the record');
      }
      this.written += batch.snapshots.length - refused.length;
      this.consecutiveErrors = 0;
    } catch (error) {
      this.putBack(batch);
      this.consecutiveErrors += 1;
      if (this.consecutiveErrors === 1 || this.consecutiveErrors % 50 === 0) {
        this.log.error({ err: error, backlog: this.backlog }, 'record: writing to PostgreSQL failed; will retry');
      }
      throw error;
    } finally {
      if (this.backlog > 0) {
        const backoff = this.consecutiveErrors ? Math.min(5000, this.opts.flushIntervalMs * 2 ** this.consecutiveErrors) : this.opts.flushIntervalMs;
        // Inline: the finally runs before inFlight is cleared.
        setImmediate(() => this.schedule(this.backlog >= this.opts.maxBatch && !this.consecutiveErrors ? 0 : backoff));
      }
    }
  }

  /** A failed batch goes back, unless a newer state of the same job arrived meanwhile. */
  private putBack(batch: { snapshots: JobSnapshot[]; failures: FailureRow[] }): void {
    const now = Date.now();
    for (const snapshot of batch.snapshots) {
      if (!this.pending.has(snapshot.id)) this.pending.set(snapshot.id, { snapshot, job: undefined, since: now });
    }
    this.failures = [...batch.failures, ...this.failures];
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
