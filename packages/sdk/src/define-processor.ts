import type { ProcessorDefinition } from './types.js';

/** Marks an object as a processor definition; a string brand so that two SDK copies agree. */
export const PROCESSOR_BRAND = 'nself-jobs.processor/v1';

export type DefinedProcessor<Payload, Result> = ProcessorDefinition<Payload, Result> & {
  readonly __brand: typeof PROCESSOR_BRAND;
};

/** Declares a processor; the package's entry module exports the result as its default export. */
export function defineProcessor<Payload = unknown, Result = unknown>(
  definition: ProcessorDefinition<Payload, Result>,
): DefinedProcessor<Payload, Result> {
  if (typeof definition?.type !== 'string' || definition.type.length === 0) {
    throw new TypeError('defineProcessor: `type` must be a non-empty string');
  }
  if (typeof definition.process !== 'function') {
    throw new TypeError(`defineProcessor(${definition.type}): \`process\` must be a function`);
  }
  return Object.freeze({ ...definition, __brand: PROCESSOR_BRAND });
}

export function isProcessorDefinition(value: unknown): value is DefinedProcessor<unknown, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { __brand?: unknown }).__brand === PROCESSOR_BRAND &&
    typeof (value as { process?: unknown }).process === 'function'
  );
}
