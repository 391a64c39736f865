import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** This package's version, checked against each processor's `runtime` range. */
export const RUNTIME_VERSION: string = (require('../package.json') as { version: string }).version;
