import type { ProcessorDefaults, ProcessorDefinition } from '@nself-jobs/sdk';

/** One reason a payload does not match its processor's JSON Schema. */
export interface PayloadProblem {
  /** JSON pointer into the payload ("" for the payload itself), e.g. "/url". */
  path: string;
  message: string;
}

export type ProcessorSourceKind = 'builtin' | 'installed' | 'path';

/** A directory that holds a processor package, and how the runtime came to know it. */
export interface ProcessorSource {
  packageDir: string;
  source: ProcessorSourceKind;
}

/** A processor type as the registry knows it: everything but its code, which `load()` imports. */
export interface RegisteredProcessor {
  type: string;
  description: string | undefined;
  packageName: string;
  packageVersion: string;
  packageDir: string;
  source: ProcessorSourceKind;
  /** As declared in the manifest (may be {}); the runtime merges config defaults later. */
  defaults: ProcessorDefaults;
  /** The parsed JSON Schema of the payload. */
  payloadSchema: object;
  /** Absolute, when the package declares `migrations`. */
  migrationsDir: string | undefined;
  /** [] when valid, otherwise every problem. Never changes the payload. */
  validatePayload(payload: unknown): PayloadProblem[];
  /** Imports the entry on the first call only; later calls share the same promise. */
  load(): Promise<ProcessorDefinition>;
}
