import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';

/** One source of variables; an empty string counts as unset everywhere. */
export type EnvLayer = Readonly<Record<string, string | undefined>>;

/** A value found in the layers, with the name it was found under (for messages). */
export interface FoundValue {
  name: string;
  value: string;
}

/**
 * Reads `<cwd>/.env` with node's own parser. A missing file is the normal case; any other
 * read failure (a directory, no permission) is reported rather than silently ignored.
 */
export function readEnvFile(cwd: string): { layer: EnvLayer; problem?: string } {
  const file = path.join(cwd, '.env');
  try {
    return { layer: parseEnv(readFileSync(file, 'utf8')) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { layer: {} };
    return { layer: {}, problem: `${file}: cannot read: ${(error as Error).message}` };
  }
}

const isSet = (value: string | undefined): value is string => value !== undefined && value !== '';

/**
 * Looks a setting up in layers ordered from strongest (overrides) to weakest (.env).
 * The strongest layer that sets any of the names decides, and within it the primary name beats
 * its aliases: a PORT exported in the shell beats a JOBS_DASHBOARD_PORT in .env, as any
 * environment variable beats .env, and an override always wins whatever name it uses.
 */
export function lookUp(layers: readonly EnvLayer[], names: readonly string[]): FoundValue | undefined {
  for (const layer of layers) {
    for (const name of names) {
      const value = layer[name];
      if (isSet(value)) return { name, value };
    }
  }
  return undefined;
}

/** Merges layers (weakest first) into the environment handed to processors; unset values do not hide weaker ones. */
export function mergeLayers(weakestFirst: readonly EnvLayer[]): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = {};
  for (const layer of weakestFirst) {
    for (const [name, value] of Object.entries(layer)) {
      if (isSet(value)) merged[name] = value;
      else if (!(name in merged) && value !== undefined) merged[name] = value;
    }
  }
  return merged;
}
