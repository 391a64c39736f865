import crypto from 'node:crypto';
import type { PriorityName } from '@nself-jobs/sdk';
import type { RuntimeConfig } from '../config/index.js';
import type { ProcessorRegistry } from '../registry/index.js';
import { JobsError } from '../errors.js';
import { DEFAULT_QUEUES, QUEUE_NAME_PATTERN } from '../queues.js';
import { checkOptions, type EnqueueRequest } from './enqueue-request.js';

/** A request that passed every check, with every default resolved: ready to record and queue. */
export interface PreparedJob {
  id: string;
  type: string;
  queue: string;
  payload: unknown;
  priority: PriorityName;
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delay: number };
  delay: number;
  timeout: number;
  idempotencyKey: string | null;
  scheduleName: string | null;
  status: 'waiting' | 'delayed';
}

/** Every queue some worker consumes: the default ones and those processors declare. */
export function knownQueues(registry: ProcessorRegistry): string[] {
  const queues = new Set<string>(DEFAULT_QUEUES);
  for (const p of registry.list()) if (p.defaults.queue) queues.add(p.defaults.queue);
  return [...queues].sort();
}

/**
 * Validates one request (type installed, payload matches its schema, options sane,
 * queue known) and resolves its defaults: request, then processor manifest, then config.
 * Throws a JobsError whose details list every problem found.
 */
export function prepareJob(request: EnqueueRequest, registry: ProcessorRegistry, config: RuntimeConfig, scheduleName?: string): PreparedJob {
  if (typeof request?.type !== 'string' || request.type.length === 0) {
    const message = request?.type === undefined || request.type === '' ? 'is required' : 'must be a string';
    throw new JobsError('OPTIONS_INVALID', `type ${message}`, [{ path: '/type', message }]);
  }
  const processor = registry.get(request.type);
  if (!processor) {
    throw new JobsError('UNKNOWN_TYPE', `unknown job type "${request.type}"; installed types: ${registry.types().join(', ') || '(none)'}`, {
      type: request.type, installedTypes: registry.types(),
    });
  }
  const optionProblems = checkOptions(request.options);
  const queue = request.queue ?? processor.defaults.queue ?? 'default';
  if (typeof queue !== 'string' || !QUEUE_NAME_PATTERN.test(queue)) {
    optionProblems.push({ path: '/queue', message: 'must be letters, digits, - or _ (at most 100)' });
  } else if (!knownQueues(registry).includes(queue)) {
    optionProblems.push({ path: '/queue', message: `unknown queue "${queue}"; known queues: ${knownQueues(registry).join(', ')}` });
  }
  if (optionProblems.length > 0) {
    throw new JobsError('OPTIONS_INVALID', optionProblems.map((p) => `${p.path}: ${p.message}`).join('; '), optionProblems);
  }
  const payload = request.payload === undefined ? {} : request.payload;
  const payloadProblems = processor.validatePayload(payload);
  if (payloadProblems.length > 0) {
    throw new JobsError('PAYLOAD_INVALID', `payload does not match the "${request.type}" schema: ${payloadProblems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}`,
      payloadProblems.map((p) => ({ path: `/payload${p.path}`, message: p.message })));
  }
  const options = request.options ?? {};
  const defaults = processor.defaults;
  const delay = options.delay ?? 0;
  return {
    id: crypto.randomUUID(),
    type: request.type,
    queue,
    payload,
    priority: options.priority ?? defaults.priority ?? 'normal',
    attempts: options.maxRetries !== undefined ? options.maxRetries + 1 : defaults.attempts ?? config.retryAttempts,
    backoff: defaults.backoff ?? { type: 'exponential', delay: config.retryDelay },
    delay,
    timeout: options.timeout ?? defaults.timeout ?? config.jobTimeout,
    idempotencyKey: options.idempotencyKey ?? null,
    scheduleName: scheduleName ?? null,
    status: delay > 0 ? 'delayed' : 'waiting',
  };
}
