export { RegistryError, type RegistryErrorCode } from './registry-error.js';
export type { PayloadProblem, ProcessorSource, ProcessorSourceKind, RegisteredProcessor } from './types.js';
export { readProcessorPackage } from './read-processor-package.js';
export { ProcessorRegistry } from './processor-registry.js';
export { builtinProcessorSources, installedProcessorSources, pathProcessorSources } from './processor-sources.js';
