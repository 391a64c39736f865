export * from './types.js';
export * from './errors.js';
export * from './define-processor.js';
export { manifestSchema } from './manifest-schema.js';
