/** What a processor's `process` function receives for one attempt of one job. */
export interface JobContext<Payload = unknown> {
  /** The job id (a UUID for jobs enqueued through nself-jobs). */
  readonly id: string;
  readonly type: string;
  readonly queue: string;
  /** The payload, already validated against the processor's JSON Schema. */
  readonly payload: Payload;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Fires when the attempt times out, the job is cancelled or the worker shuts down: stop work and return. */
  readonly signal: AbortSignal;
  /** Report progress, 0-100 or any JSON-serialisable object. */
  progress(value: number | object): Promise<void>;
  readonly log: JobLogger;
}

export interface JobLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What `setup` receives once per worker process, before the first job of this type. */
export interface SetupContext {
  /** The process environment merged with the runtime's `.env` file. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: JobLogger;
}

export interface ProcessorDefinition<Payload = unknown, Result = unknown> {
  /** The job type this processor runs; must match the `type` in the package manifest. */
  readonly type: string;
  setup?(context: SetupContext): void | Promise<void>;
  process(context: JobContext<Payload>): Result | Promise<Result>;
  teardown?(): void | Promise<void>;
}

export const PRIORITY_NAMES = ['critical', 'high', 'normal', 'low'] as const;
export type PriorityName = (typeof PRIORITY_NAMES)[number];

export interface ProcessorDefaults {
  queue?: string;
  priority?: PriorityName;
  attempts?: number;
  backoff?: { type: 'exponential' | 'fixed'; delay: number };
  timeout?: number;
}

/** One entry of `nselfJobs.processors` in a processor package's package.json. */
export interface ProcessorManifestEntry {
  type: string;
  entry: string;
  payloadSchema: string;
  description?: string;
  defaults?: ProcessorDefaults;
}

/** The `nselfJobs` key of a processor package's package.json. */
export interface PackageManifest {
  manifestVersion: 1;
  runtime: string;
  processors: ProcessorManifestEntry[];
  migrations?: string;
}
