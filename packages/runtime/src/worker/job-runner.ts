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

  constructor(private readonly deps: { registry: ProcessorRegistry; config: RuntimeConfig; log: Logger }) {}

  readonly run = async (job: Job, _token?: string, cancelSignal?: AbortSignal): Promise<unknown> => {
    const processor = this.deps.registry.get(job.name);
    if (!processor) {
      throw permanent(`no processor is installed for job type "${job.name}" (installed: ${this.deps.registry.types().join(', ')})`, 'UNKNOWN_TYPE');
    }
    const { payload, timeout } = unwrapJobData(job.data);
    const problems = processor.validatePayload(payload);
    if (problems.length > 0) {
      throw permanent(`payload does not match the "${job.name}" schema: ${problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}`, 'PAYLOAD_INVALID');
    }
    const definition = await this.load(processor);
    const timeoutMs = timeout ?? processor.defaults.timeout ?? this.deps.config.jobTimeout;
    return this.callWithTimeout(definition, job, payload, timeoutMs, cancelSignal);
  };

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
        return definition;
      })();
      // A failed setup is retried by the next job rather than cached forever.
      loading.catch(() => this.loaded.delete(processor.type));
      this.loaded.set(processor.type, loading);
    }
    return loading;
  }

  private async callWithTimeout(definition: ProcessorDefinition, job: Job, payload: unknown, timeoutMs: number, cancelSignal?: AbortSignal): Promise<unknown> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let onCancel: (() => void) | undefined;
    // The race makes the attempt fail at its timeout, or when cancelled by request, even when
    // a processor ignores its signal. Other aborts (a worker shutting down) only fire the signal.
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new JobTimeoutError(timeoutMs);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
      onCancel = () => {
        if (cancelSignal?.reason !== CANCEL_REASON) {
          controller.abort(cancelSignal?.reason ?? new Error('job cancelled'));
          return;
        }
        const error = cancelledError();
        controller.abort(error);
        reject(error);
      };
      // Aborted while the processor was loading: the event has fired already.
      if (cancelSignal?.aborted) onCancel();
      else cancelSignal?.addEventListener('abort', onCancel, { once: true });
    });
    try {
      const context = this.context(job, payload, controller.signal);
      const result = await Promise.race([Promise.resolve().then(() => definition.process(context)), stopped]);
      return result === undefined ? null : result;
    } catch (error) {
      if (cancelSignal?.aborted && cancelSignal.reason === CANCEL_REASON) throw cancelledError();
      throw toBackendError(error);
    } finally {
      clearTimeout(timer);
      if (onCancel) cancelSignal?.removeEventListener('abort', onCancel);
    }
  }

  private context(job: Job, payload: unknown, signal: AbortSignal): JobContext {
    let logger: JobLogger | undefined;
    const log = this.deps.log;
    return {
      id: String(job.id),
      type: job.name,
      queue: job.queueName,
      payload,
      attempt: job.attemptsMade + 1,
      maxAttempts: job.opts.attempts ?? 1,
      signal,
      progress: (value) => job.updateProgress(value),
      // Made on first use: most jobs never log, and a child logger per job costs.
      get log() {
        return (logger ??= jobLogger(log.child({ jobId: job.id, type: job.name, queue: job.queueName })));
      },
    };
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
