import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SDK = '@nself-jobs/sdk';
const RUNTIME = '@nself-jobs/runtime';

/** Names the plugins directory links to this runtime's own copies; never plugins themselves. */
export const PROVIDED_PACKAGE_NAMES: readonly string[] = [SDK, RUNTIME];

/** This runtime's package directory (from src/plugins/ and dist/plugins/ alike). */
function runtimeDir(): string {
  return realpathSync(fileURLToPath(new URL('../../', import.meta.url)));
}

/** The directory of the SDK this runtime itself imports: up from its resolved entry to its package.json. */
function sdkDir(): string {
  const require = createRequire(path.join(runtimeDir(), 'package.json'));
  let dir = path.dirname(require.resolve(SDK));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === SDK) return realpathSync(dir);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package directory of ${SDK} from ${runtimeDir()}`);
    dir = parent;
  }
}

/**
 * `dependencies` entries that make `@nself-jobs/sdk` and `@nself-jobs/runtime` resolve for every
 * plugin, as links to the copies this runtime runs: the workspace packages are not on a registry,
 * a plugin's own `"@nself-jobs/sdk": "^1.0.0"` is satisfied by the link (npm dedupes against it,
 * offline), and plugin and runtime then share one SDK. Rewritten by every plugins command, so that
 * they follow the runtime when it is upgraded or moved.
 */
export function providedDependencies(): Record<string, string> {
  return { [SDK]: `file:${sdkDir()}`, [RUNTIME]: `file:${runtimeDir()}` };
}
