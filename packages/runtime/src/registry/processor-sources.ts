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
 * The names a plugins directory lists in its package.json `dependencies`, or undefined when it
 * has no package.json. Only these are plugins: a plugin's own dependencies land in the same
 * node_modules (a built-in processor it depends on, say) and must not count as installed.
 */
function listedDependencies(pluginsDir: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(pluginsDir, 'package.json'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const pkg = JSON.parse(text) as { dependencies?: unknown };
    const deps = pkg.dependencies;
    return typeof deps === 'object' && deps !== null && !Array.isArray(deps) ? Object.keys(deps) : [];
  } catch {
    return [];
  }
}

/** An npm package name, scoped or not: never a path that could leave node_modules. */
const PACKAGE_NAME = /^(@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/i;

/** Every package directory directly under node_modules (scoped ones included). */
function scanNodeModules(nodeModules: string): string[] {
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
  return packageDirs;
}

/**
 * Processor packages installed with `jobs plugins:install`: the packages `<pluginsDir>/package.json`
 * lists in `dependencies` (as @oclif/plugin-plugins does) whose package.json has an `nselfJobs` key.
 * A plugins directory without a package.json (made by hand) falls back to every such package
 * directly under `<pluginsDir>/node_modules`, scoped and linked ones included.
 */
export function installedProcessorSources(pluginsDir: string): ProcessorSource[] {
  const nodeModules = path.resolve(pluginsDir, 'node_modules');
  const listed = listedDependencies(pluginsDir);
  const packageDirs = listed
    ? listed.filter((name) => PACKAGE_NAME.test(name)).map((name) => path.join(nodeModules, name))
    : scanNodeModules(nodeModules);
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
