import { existsSync, readdirSync, readFileSync, type Dirent } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ProcessorSource } from './types.js';

const BUILTIN_PREFIX = '@nself-jobs/processor-';

/**
 * Finds `<name>/package.json` the way Node would. Resolving the subpath fails for a package
 * whose `exports` does not list "./package.json", so fall back to walking the lookup paths.
 */
function findPackageDir(require: NodeJS.Require, name: string): string | undefined {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    for (const dir of require.resolve.paths(name) ?? []) {
      if (existsSync(path.join(dir, name, 'package.json'))) return path.join(dir, name);
    }
    return undefined;
  }
}

/**
 * The built-in processor packages: every `@nself-jobs/processor-*` in this runtime's own
 * dependencies. One that is not installed is skipped, so a trimmed install still starts.
 */
export function builtinProcessorSources(): ProcessorSource[] {
  // ../../package.json is the runtime's package.json from both src/registry/ and dist/registry/.
  const runtimePackageJson = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(runtimePackageJson, 'utf8')) as { dependencies?: Record<string, string> };
  const require = createRequire(runtimePackageJson);
  return Object.keys(pkg.dependencies ?? {})
    .filter((name) => name.startsWith(BUILTIN_PREFIX))
    .sort()
    .flatMap((name) => {
      const packageDir = findPackageDir(require, name);
      return packageDir ? [{ packageDir, source: 'builtin' as const }] : [];
    });
}

function readDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function isProcessorPackage(packageDir: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as unknown;
    return typeof pkg === 'object' && pkg !== null && 'nselfJobs' in pkg;
  } catch {
    // Not a package, or an unreadable dependency of some plugin: not ours to report.
    return false;
  }
}

/**
 * Processor packages installed with `jobs plugins:install`: every package directly under
 * `<pluginsDir>/node_modules` (scoped ones included) whose package.json has an `nselfJobs` key.
 */
export function installedProcessorSources(pluginsDir: string): ProcessorSource[] {
  const nodeModules = path.resolve(pluginsDir, 'node_modules');
  // npm links a package installed from a local path, so symlinks count as package directories.
  const isDirLike = (d: Dirent) => (d.isDirectory() || d.isSymbolicLink()) && !d.name.startsWith('.');
  const packageDirs: string[] = [];
  for (const dirent of readDir(nodeModules).filter(isDirLike)) {
    const dir = path.join(nodeModules, dirent.name);
    if (dirent.name.startsWith('@')) {
      for (const scoped of readDir(dir).filter(isDirLike)) packageDirs.push(path.join(dir, scoped.name));
    } else {
      packageDirs.push(dir);
    }
  }
  return packageDirs
    .sort()
    .filter(isProcessorPackage)
    .map((packageDir) => ({ packageDir, source: 'installed' as const }));
}

/** Extra processor packages named in config: directories, or their package.json files. */
export function pathProcessorSources(paths: string[]): ProcessorSource[] {
  return paths.map((p) => {
    const resolved = path.resolve(p);
    const packageDir = path.basename(resolved) === 'package.json' ? path.dirname(resolved) : resolved;
    return { packageDir, source: 'path' as const };
  });
}
