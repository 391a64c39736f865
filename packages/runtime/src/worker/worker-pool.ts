import type { Worker } from 'bullmq';
import type { QueueBackend } from '../backend/queue-backend.js';
import type { RuntimeConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { logJobEvents } from '../metrics/job-event-log.js';
import type { RuntimeMetrics } from '../metrics/runtime-metrics.js';
import type { JobRecorder } from '../record/job-recorder.js';
import type { ProcessorRegistry } from '../registry/index.js';
import { backoffStrategy } from './backoff-strategy.js';
import { JobRunner } from './job-runner.js';
import { recordLifecycle } from './record-lifecycle.js';

export interface WorkerPoolOptions {
  queues: string[];
  concurrency?: number;
}

/** One BullMQ worker per queue, all recording into the same recorder. */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly runner: JobRunner;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly deps: { backend: QueueBackend; registry: ProcessorRegistry; recorder: JobRecorder; config: RuntimeConfig; log: Logger;
      metrics?: RuntimeMetrics },
    private readonly options: WorkerPoolOptions,
  ) {
    this.runner = new JobRunner(deps);
  }

  get queues(): string[] {
    return [...this.options.queues];
  }

  async start(): Promise<void> {
    const { backend, recorder, config, log } = this.deps;
    for (const queue of this.options.queues) {
      const worker = backend.createWorker(queue, this.runner.run, {
        concurrency: this.options.concurrency ?? config.concurrency,
        settings: { backoffStrategy: backoffStrategy(config.retryDelay) },
        autorun: false,
      });
      recordLifecycle(worker, recorder, log);
      logJobEvents(worker, log);
      this.deps.metrics?.observeWorker(worker);
      this.workers.push(worker);
    }
    for (const worker of this.workers) void worker.run().catch((error) => log.error({ err: error, queue: worker.name }, 'worker stopped'));
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /** Aborts the signal of that job if a worker of this pool runs it; false otherwise. */
  cancel(queue: string, jobId: string, reason: string): boolean {
    return this.options.queues.includes(queue) && this.runner.cancel(queue, jobId, reason);
  }

  /**
   * Stops taking jobs and waits up to `graceMs` for active ones. Jobs still running
   * then are told to stop (their AbortSignal fires) and left to the backend's stalled
   * job check, which hands them to another worker: they are retried, not lost.
   */
  close(graceMs = this.deps.config.shutdownGracePeriod): Promise<void> {
    this.closing ??= (async () => {
      const graceful = Promise.all(this.workers.map((w) => w.close()));
      const inTime = await Promise.race([graceful.then(() => true), sleep(graceMs).then(() => false)]);
      if (!inTime) {
        this.deps.log.warn({ graceMs }, 'shutdown: jobs still active after the grace period; cancelling them');
        this.runner.cancelAll(this.options.queues, 'worker shutting down');
        await Promise.race([graceful, sleep(2000)]);
        await Promise.all(this.workers.map((w) => w.close(true)));
      }
      await this.runner.teardown();
    })();
    return this.closing;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
