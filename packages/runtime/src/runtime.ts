import path from 'node:path';
import { escapeIdentifier } from 'pg';
import type pg from 'pg';
import type { Queue } from 'bullmq';
import type { RuntimeConfig } from './config/index.js';
import { createBackend } from './backend/create-backend.js';
import type { QueueBackend } from './backend/queue-backend.js';
import { createDatabasePool, createRecorderPool, pingDatabase } from './database-pool.js';
import { migrateRecord } from './db/index.js';
import { migrateProcessorPackages } from './plugins/package-migrations.js';
import { createLogger, type Logger } from './logger.js';
import { RuntimeMetrics } from './metrics/runtime-metrics.js';
import { CancelListener } from './operations/cancel-channel.js';
import { CANCEL_REASON } from './operations/cancellation.js';
import { guardRedisEviction } from './operations/eviction-policy.js';
import { JobOperations } from './operations/job-operations.js';
import { JobProducer } from './producer/job-producer.js';
import { knownQueues } from './producer/prepare-job.js';
import { JobRecorder, type JobRecorderOptions } from './record/job-recorder.js';
import { reconcileRecord, type ReconcileReport } from './record/reconcile-record.js';
import {
  builtinProcessorSources, installedProcessorSources, pathProcessorSources, ProcessorRegistry,
} from './registry/index.js';
import { RUNTIME_VERSION } from './runtime-version.js';
import { Scheduler, ScheduleStore, seedDefaultSchedules, type SchedulerOptions } from './schedules/index.js';
import { WorkerPool, type WorkerPoolOptions } from './worker/worker-pool.js';

export interface RuntimeOptions {
  log?: Logger;
  /** Apply the record's migrations on start (true by default). */
  migrate?: boolean;
  recorder?: JobRecorderOptions;
  /** Use this registry instead of discovering processors (tests, embedding). */
  registry?: ProcessorRegistry;
}

/**
 * Everything a process of nself-jobs needs, wired once: the database pool, the
 * queue backend, the processor registry, the record's recorder and the producer.
 * The CLI commands and the server are thin layers over this.
 */
export class Runtime {
  readonly producer: JobProducer;
  readonly quotedSchema: string;
  /** Cron schedules: list/get/create/update/delete/run/preview (job_schedules is the source of truth). */
  readonly schedules: ScheduleStore;
  private scheduler: Scheduler | undefined;
  /** Prometheus metrics of this process (GET /metrics). */
  readonly metrics: RuntimeMetrics;
  /** Retry, cancel, promote, pause/resume and the numbers of `jobs stats`. */
  readonly operations: JobOperations;
  private cancelListener: CancelListener | undefined;
  private evictionChecked = false;
  private readonly queues = new Map<string, Queue>();
  private readonly pools: WorkerPool[] = [];
  private closed = false;

  private constructor(
    readonly config: RuntimeConfig,
    readonly log: Logger,
    readonly pool: pg.Pool,
    readonly backend: QueueBackend,
    readonly registry: ProcessorRegistry,
    readonly recorder: JobRecorder,
    /** The recorder's own pool (no force_custom_plan; see createRecorderPool). */
    private readonly recorderPool: pg.Pool,
  ) {
    this.quotedSchema = escapeIdentifier(config.database.schema);
    this.metrics = new RuntimeMetrics({ queueNames: () => knownQueues(registry), queue: (name) => this.queue(name), recorder });
    this.producer = new JobProducer({ pool, quotedSchema: this.quotedSchema, registry, config, queue: (name) => this.queue(name),
      ensureBackendReady: () => backend.ensureReady(), onQueued: (jobs) => this.metrics.enqueued(jobs) });
    this.operations = new JobOperations({
      pool, quotedSchema: this.quotedSchema, config, registry, log, queue: (name) => this.queue(name),
      ensureBackendReady: () => backend.ensureReady(),
      onRetried: (job) => this.metrics.retriedByRequest(job),
      onCancelled: (job) => this.metrics.cancelledByRequest(job),
    });
    this.schedules = new ScheduleStore({ pool, quotedSchema: this.quotedSchema, registry, config, producer: this.producer });
  }

  static async start(config: RuntimeConfig, options: RuntimeOptions = {}): Promise<Runtime> {
    const log = options.log ?? createLogger(config.logLevel);
    const registry = options.registry ?? (await discoverProcessors(config));
    const pool = createDatabasePool(config);
    const recorderPool = createRecorderPool(config);
    try {
      await pingDatabase(pool, config); // unreachable: says so with the address tried
      if (options.migrate !== false) await migrateRecord(pool, config.database.schema);
      // Every processor package's own migrations; refuses a database a newer version of one migrated.
      await migrateProcessorPackages(pool, config.database.schema, registry.list(), { apply: options.migrate !== false });
      const evictionChecked = await guardRedisEviction(config, log);
      const backend = await createBackend(config);
      const recorder = new JobRecorder(recorderPool, escapeIdentifier(config.database.schema), log, options.recorder);
      const runtime = new Runtime(config, log, pool, backend, registry, recorder, recorderPool);
      runtime.evictionChecked = evictionChecked;
      return runtime;
    } catch (error) {
      await pool.end().catch(() => {});
      await recorderPool.end().catch(() => {});
      throw error;
    }
  }

  /** The BullMQ queue of that name (created once, closed with the runtime). */
  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = this.backend.createQueue(name);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Fires cron schedules from this process until close() (once per runtime; any number of processes may).
   * The first start on a database also creates the default cleanup schedules (see seedDefaultSchedules)
   * unless `defaultSchedules: false`.
   */
  async startScheduler(options?: SchedulerOptions & { defaultSchedules?: boolean }): Promise<Scheduler> {
    if (!this.scheduler) {
      this.scheduler = new Scheduler({ pool: this.pool, quotedSchema: this.quotedSchema, producer: this.producer, log: this.log }, options);
      if (options?.defaultSchedules !== false) await seedDefaultSchedules(this.schedules, this.registry, this.log);
      await this.scheduler.start();
    }
    return this.scheduler;
  }

  /** Starts workers and the scheduler (unless `scheduler: false`), then reconciles their queues' record with the backend in the background. */
  async startWorkers(options: WorkerPoolOptions & { reconcile?: boolean; scheduler?: boolean }): Promise<WorkerPool> {
    if (!this.evictionChecked) this.evictionChecked = await guardRedisEviction(this.config, this.log);
    if (options.scheduler !== false) await this.startScheduler();
    const workers = new WorkerPool({ backend: this.backend, registry: this.registry, recorder: this.recorder, config: this.config, log: this.log,
      metrics: this.metrics }, options);
    this.pools.push(workers);
    await workers.start();
    this.cancelListener ??= new CancelListener(this.pool, this.config.database.schema, this.log,
      ({ queue, id }) => this.pools.forEach((p) => p.cancel(queue, id, CANCEL_REASON)));
    await this.cancelListener.start();
    if (options.reconcile !== false) {
      this.reconcile(options.queues).catch((error) => this.log.warn({ err: error }, 'record reconcile failed; it runs again at the next start'));
    }
    return workers;
  }

  /** See reconcileRecord: rebuilds lost record rows and requeues jobs the backend never got. */
  reconcile(queues: string[], orphanAgeMs?: number): Promise<ReconcileReport> {
    return reconcileRecord({ pool: this.pool, quotedSchema: this.quotedSchema, recorder: this.recorder, queue: (n) => this.queue(n), log: this.log, config: this.config }, queues, orphanAgeMs);
  }

  /** Workers first (they finish or hand back their jobs), then the record drains, then connections. */
  async close(graceMs?: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.scheduler?.stop();
    await this.cancelListener?.close();
    await Promise.all(this.pools.map((p) => p.close(graceMs)));
    await this.recorder.close();
    await this.backend.close();
    await this.recorderPool.end();
    await this.pool.end();
  }
}

export async function discoverProcessors(config: RuntimeConfig): Promise<ProcessorRegistry> {
  return ProcessorRegistry.discover({
    runtimeVersion: RUNTIME_VERSION,
    sources: [
      ...builtinProcessorSources(),
      ...installedProcessorSources(path.join(config.dataDir, 'plugins')),
      ...pathProcessorSources(config.processorPaths),
    ],
  });
}
