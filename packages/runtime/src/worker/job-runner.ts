import { UnrecoverableError, type Job } from 'bullmq';
import {
  isPermanentJobError, JobTimeoutError, type JobContext, type JobLogger, type ProcessorDefinition,
} from '@nself-jobs/sdk';
import type { RuntimeConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { ProcessorRegistry, RegisteredProcessor } from '../registry/index.js';
import { unwrapJobData } from '../job-envelope.js';
import { CANCEL_REASON, cancelledError } from '../operations/cancellation.js';

/**
 * Turns a BullMQ job into one processor call: finds the processor, validates the
 * payload again (a bad payload fails without retry), runs `setup` once per
 * process, enforces the timeout through the AbortSignal, and maps the
 * processor's errors onto BullMQ's retry rules.
 */
export class JobRunner {
  private readonly loaded = new Map<string, Promise<ProcessorDefinition>>();
  /** Processors whose load and setup succeeded: the hot path skips awaiting `loaded`. */
  private readonly ready = new Map<string, ProcessorDefinition>();
  /**
   * The attempts running now, by queue and job id. Cancellation goes through here
   * rather than BullMQ's Worker.cancelJob: `run` takes only the job, so BullMQ does
   * not create an AbortController per job (it checks processor.length), and the
   * runtime creates its own only when a processor reads `ctx.signal`.
   */
  private readonly running = new Map<string, Map<string, Attempt>>();

  constructor(private readonly deps: { registry: ProcessorRegistry; config: RuntimeConfig; log: Logger }) {}

  readonly run = async (job: Job): Promise<unknown> => {
    const attempt = new Attempt();
    const id = String(job.id);
    let jobs = this.running.get(job.queueName);
    if (!jobs) this.running.set(job.queueName, (jobs = new Map()));
    jobs.set(id, attempt);
    try {
      const processor = this.deps.registry.get(job.name);
      if (!processor) {
        throw permanent(`no processor is installed for job type "${job.name}" (installed: ${this.deps.registry.types().join(', ')})`, 'UNKNOWN_TYPE');
      }
      const { payload, timeout } = unwrapJobData(job.data);
      const problems = processor.validatePayload(payload);
      if (problems.length > 0) {
        throw permanent(`payload does not match the "${job.name}" schema: ${problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}`, 'PAYLOAD_INVALID');
      }
      const definition = this.ready.get(processor.type) ?? (await this.load(processor));
      const timeoutMs = timeout ?? processor.defaults.timeout ?? this.deps.config.jobTimeout;
      const result = await attempt.call(definition, this.context(job, payload, attempt), timeoutMs);
      return result === undefined ? null : result;
    } catch (error) {
      if (attempt.cancelledByRequest) throw cancelledError();
      throw toBackendError(error);
    } finally {
      attempt.finish();
      if (jobs.get(id) === attempt) jobs.delete(id);
    }
  };

  /** Stops that job's running attempt if this runner runs it; false otherwise. */
  cancel(queue: string, jobId: string, reason: string): boolean {
    const attempt = this.running.get(queue)?.get(jobId);
    if (!attempt) return false;
    attempt.abort(reason);
    return true;
  }

  /** Fires the signal of every running attempt of these queues (a worker shutting down). */
  cancelAll(queues: string[], reason: string): void {
    for (const queue of queues) for (const attempt of this.running.get(queue)?.values() ?? []) attempt.abort(reason);
  }

  /** Runs every loaded processor's teardown; called once the workers are closed. */
  async teardown(): Promise<void> {
    const definitions = await Promise.allSettled(this.loaded.values());
    for (const settled of definitions) {
      if (settled.status === 'fulfilled' && settled.value.teardown) {
        await Promise.resolve(settled.value.teardown()).catch((error) => this.deps.log.warn({ err: error }, 'processor teardown failed'));
      }
    }
  }

  private load(processor: RegisteredProcessor): Promise<ProcessorDefinition> {
    let loading = this.loaded.get(processor.type);
    if (!loading) {
      loading = (async () => {
        const definition = await processor.load();
        await definition.setup?.({ env: this.deps.config.env, log: jobLogger(this.deps.log.child({ type: processor.type })) });
        this.ready.set(processor.type, definition);
        return definition;
      })();
      // A failed setup is retried by the next job rather than cached forever.
      loading.catch(() => this.loaded.delete(processor.type));
      this.loaded.set(processor.type, loading);
    }
    return loading;
  }

  private context(job: Job, payload: unknown, attempt: Attempt): JobContext {
    let logger: JobLogger | undefined;
    const log = this.deps.log;
    return {
      id: String(job.id),
      type: job.name,
      queue: job.queueName,
      payload,
      attempt: job.attemptsMade + 1,
      maxAttempts: job.opts.attempts ?? 1,
      // Made on first use: most processors never read it, and a controller per job costs.
      get signal() {
        return attempt.signal;
      },
      progress: (value) => job.updateProgress(value),
      // Made on first use: most jobs never log, and a child logger per job costs.
      get log() {
        return (logger ??= jobLogger(log.child({ jobId: job.id, type: job.name, queue: job.queueName })));
      },
    };
  }
}

/**
 * One attempt of one job: its timeout (a single timer), its cancellation, and the
 * AbortSignal a processor sees, created only when the processor asks for it.
 * The attempt fails at its timeout, or when cancelled by request, even when a
 * processor ignores its signal. Other aborts (a worker shutting down) only fire the signal.
 */
class Attempt {
  private controller: AbortController | undefined;
  /** Why the signal fired, if it did before anyone read it. */
  private abortReason: unknown;
  private aborted = false;
  private timer: NodeJS.Timeout | undefined;
  private reject: ((error: unknown) => void) | undefined;
  private done = false;
  cancelledByRequest = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  call(definition: ProcessorDefinition, context: JobContext, timeoutMs: number): Promise<unknown> {
    if (this.cancelledByRequest) return Promise.reject(cancelledError());
    return new Promise<unknown>((resolve, reject) => {
      this.reject = reject;
      this.timer = setTimeout(() => {
        const error = new JobTimeoutError(timeoutMs);
        this.fire(error);
        reject(error);
      }, timeoutMs);
      try {
        const result = definition.process(context);
        if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
          (result as PromiseLike<unknown>).then(resolve, reject);
        } else {
          resolve(result);
        }
      } catch (error) {
        reject(error);
      }
    });
  }

  /** Cancel by request (CANCEL_REASON) fails the attempt; any other reason only fires the signal. */
  abort(reason: string): void {
    if (this.done) return;
    if (reason !== CANCEL_REASON) {
      this.fire(reason ?? new Error('job cancelled'));
      return;
    }
    this.cancelledByRequest = true;
    const error = cancelledError();
    this.fire(error);
    this.reject?.(error);
  }

  finish(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.reject = undefined;
  }

  private fire(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    if (this.controller) this.controller.abort(reason);
    else this.abortReason = reason;
  }
}

function jobLogger(log: Logger): JobLogger {
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}

function permanent(message: string, code: string): UnrecoverableError {
  return Object.assign(new UnrecoverableError(message), { code });
}

/** A "never retry" error becomes BullMQ's UnrecoverableError, keeping its code and stack. */
function toBackendError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(typeof error === 'string' ? error : JSON.stringify(error));
  if (isPermanentJobError(error)) {
    const wrapped = permanent(error.message, (error as unknown as { code: string }).code);
    wrapped.stack = error.stack;
    return wrapped;
  }
  return error;
}
