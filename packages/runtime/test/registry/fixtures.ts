import { fileURLToPath } from 'node:url';
import type { ProcessorSource } from '../../src/registry/index.js';

/** The directory of a fixture processor package under test/fixtures/processors/. */
export function fixtureDir(name: string): string {
  return fileURLToPath(new URL(`../fixtures/processors/${name}`, import.meta.url));
}

export function fixtureSource(name: string): ProcessorSource {
  return { packageDir: fixtureDir(name), source: 'path' };
}

export const RUNTIME_VERSION = '1.0.0';
