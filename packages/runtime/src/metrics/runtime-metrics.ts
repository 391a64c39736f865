import type { Job, Queue, Worker } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { attemptOutcome } from './attempt-outcome.js';
import { QueueSnapshotCache } from './queue-snapshot.js';

export interface MetricsDeps {
  queueNames(): string[];
  queue(name: string): Queue;
  recorder: { readonly lagMs: number; readonly backlog: number; readonly written: number };
}

type JobLabels = { queue: string; type: string };

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * The Prometheus metrics of one runtime, in a registry of its own (several runtimes may share a
 * process). Counters count what this process saw: jobs its producer queued, attempts its workers
 * ran, operations it was asked to do; Prometheus sums them over processes. Gauges of what the
 * queues hold are read from the backend at each scrape, so every process shows the same numbers.
 */
export class RuntimeMetrics {
  readonly registry = new Registry();
  private readonly enqueuedTotal: Counter<'queue' | 'type'>;
  private readonly completedTotal: Counter<'queue' | 'type'>;
  private readonly failedTotal: Counter<'queue' | 'type'>;
  private readonly retriedTotal: Counter<'queue' | 'type' | 'trigger'>;
  private readonly cancelledTotal: Counter<'queue' | 'type'>;
  private readonly duration: Histogram<'queue' | 'type' | 'outcome'>;
  private readonly snapshots: QueueSnapshotCache;
  private defaultMetrics = false;

  constructor(deps: MetricsDeps) {
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name, help, labelNames, registers });
    this.enqueuedTotal = counter('nself_jobs_enqueued_total', 'Jobs this process added to a queue (REST, CLI, schedules)', ['queue', 'type']);
    this.completedTotal = counter('nself_jobs_completed_total', 'Jobs this process\'s workers completed', ['queue', 'type']);
    this.failedTotal = counter('nself_jobs_failed_total', 'Jobs this process\'s workers failed for good (no attempt left, or a permanent error)', ['queue', 'type']);
    this.retriedTotal = counter('nself_jobs_retried_total',
      'Jobs put back into their queue: trigger="backoff" after a failed attempt with attempts left, trigger="manual" by jobs retry or POST /api/jobs/:id/retry',
      ['queue', 'type', 'trigger']);
    this.cancelledTotal = counter('nself_jobs_cancelled_total', 'Jobs cancelled by request (removed from their queue or stopped while running)', ['queue', 'type']);
    this.duration = new Histogram({
      name: 'nself_jobs_duration_seconds', help: 'Run time of each attempt, by how it ended (completed, failed, retrying, cancelled)',
      labelNames: ['queue', 'type', 'outcome'], buckets: DURATION_BUCKETS, registers,
    });

    const snapshots = new QueueSnapshotCache(deps.queueNames, deps.queue);
    this.snapshots = snapshots;
    new Gauge({
      name: 'nself_jobs_queue_jobs', help: 'Jobs the queue backend holds now, by queue and state (waiting includes prioritized)',
      labelNames: ['queue', 'state'], registers,
      async collect() {
        this.reset();
        const { counts } = await snapshots.get();
        for (const [queue, c] of Object.entries(counts)) {
          for (const state of ['waiting', 'active', 'delayed'] as const) this.set({ queue, state }, c[state]);
        }
      },
    });
    new Gauge({
      name: 'nself_jobs_queue_paused', help: '1 when the queue is paused', labelNames: ['queue'], registers,
      async collect() {
        this.reset();
        const { counts } = await snapshots.get();
        for (const [queue, c] of Object.entries(counts)) this.set({ queue }, c.paused ? 1 : 0);
      },
    });
    new Gauge({
      name: 'nself_jobs_backend_up', help: '1 when the queue backend answered this scrape', registers,
      async collect() { this.set((await snapshots.get()).up ? 1 : 0); },
    });
    const { recorder } = deps;
    new Gauge({
      name: 'nself_jobs_record_write_lag_seconds', help: 'How long the oldest change waiting for the PostgreSQL record has waited', registers,
      collect() { this.set(recorder.lagMs / 1000); },
    });
    new Gauge({
      name: 'nself_jobs_record_backlog', help: 'Changes waiting to be written to the PostgreSQL record', registers,
      collect() { this.set(recorder.backlog); },
    });
    let counted = 0;
    new Counter({
      name: 'nself_jobs_record_rows_written_total', help: 'Job rows this process wrote to the PostgreSQL record', registers,
      collect() {
        this.inc(Math.max(0, recorder.written - counted));
        counted = recorder.written;
      },
    });
  }

  /** The producer queued these jobs. */
  enqueued(jobs: ReadonlyArray<JobLabels>): void {
    for (const { queue, type } of jobs) this.enqueuedTotal.inc({ queue, type });
  }

  retriedByRequest(job: JobLabels): void {
    this.retriedTotal.inc({ queue: job.queue, type: job.type, trigger: 'manual' });
  }

  cancelledByRequest(job: JobLabels): void {
    this.cancelledTotal.inc({ queue: job.queue, type: job.type });
  }

  /** Counts a worker's completed and failed attempts. */
  observeWorker(worker: Worker): void {
    worker.on('completed', (job: Job) => {
      const labels = { queue: job.queueName, type: job.name };
      this.completedTotal.inc(labels);
      this.observeDuration(job, labels, 'completed');
    });
    worker.on('failed', (job: Job | undefined, error: Error) => {
      if (!job) return;
      const labels = { queue: job.queueName, type: job.name };
      const outcome = attemptOutcome(job, error);
      if (outcome === 'cancelled') this.cancelledTotal.inc(labels);
      else if (outcome === 'failed') this.failedTotal.inc(labels);
      else this.retriedTotal.inc({ ...labels, trigger: 'backoff' });
      this.observeDuration(job, labels, outcome);
    });
  }

  /** The Prometheus text exposition; process metrics (CPU, memory, event loop...) start with the first scrape. */
  async render(): Promise<{ contentType: string; body: string }> {
    if (!this.defaultMetrics) {
      this.defaultMetrics = true;
      collectDefaultMetrics({ register: this.registry });
    }
    void this.snapshots.refresh();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private observeDuration(job: Job, labels: JobLabels, outcome: string): void {
    if (!job.processedOn) return;
    const seconds = ((job.finishedOn ?? Date.now()) - job.processedOn) / 1000;
    this.duration.observe({ ...labels, outcome }, Math.max(0, seconds));
  }
}
