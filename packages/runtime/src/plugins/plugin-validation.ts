import { existsSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RuntimeConfig } from '../config/index.js';
import {
  builtinProcessorSources, installedProcessorSources, pathProcessorSources, ProcessorRegistry, readProcessorPackage,
  RegistryError, type RegisteredProcessor,
} from '../registry/index.js';

function canonical(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/**
 * Every entry file the manifest names must be in the package: a processor package installed
 * before it was built (or whose "files" leave dist out) would otherwise pass install and fail
 * every job. Checked for existence only: no package code runs at install.
 */
async function checkEntriesExist(processors: RegisteredProcessor[]): Promise<void> {
  if (processors.length === 0) return;
  const { packageDir, packageName } = processors[0];
  const pkg = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as {
    nselfJobs: { processors: Array<{ type: string; entry: string }> };
  };
  for (const { type, entry } of pkg.nselfJobs.processors) {
    const entryPath = path.resolve(packageDir, entry);
    if (!existsSync(entryPath)) {
      throw new RegistryError(
        'ENTRY_INVALID',
        `${packageName} (${packageDir}): the entry ${entry} of job type "${type}" is not in the package: ` +
          `build it before packing or installing, and list its directory in package.json "files"`,
        { packageName, details: { type, entryPath } },
      );
    }
  }
}

/**
 * The processors of every other source the runtime reads (built-in, other installed plugins,
 * JOBS_PROCESSOR_PATHS). A package that no longer reads is not this install's fault: it is
 * returned as a warning, not a refusal.
 */
async function otherProcessors(config: RuntimeConfig, pluginsDir: string, except: string, runtimeVersion: string) {
  const skip = canonical(except);
  const seen = new Set<string>([skip]);
  const sources = [
    ...builtinProcessorSources(),
    ...installedProcessorSources(pluginsDir),
    ...pathProcessorSources(config.processorPaths),
  ].filter((source) => {
    const dir = canonical(source.packageDir);
    if (seen.has(dir)) return false;
    seen.add(dir);
    return true;
  });
  const results = await Promise.allSettled(sources.map((s) => readProcessorPackage(s, runtimeVersion)));
  const processors: RegisteredProcessor[] = [];
  const warnings: string[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') processors.push(...result.value);
    else warnings.push(`another processor package does not load, the runtime will refuse to start until it is fixed: ${(result.reason as Error).message}`);
  }
  return { processors, warnings };
}

/**
 * Validates an installed package as the runtime will read it (manifest, runtime range, paths,
 * payload schemas, entry files), then its job types against every other source's. Throws the
 * registry's refusal (MANIFEST_INVALID, RUNTIME_INCOMPATIBLE, SCHEMA_INVALID, DUPLICATE_TYPE...).
 */
export async function validateInstalledPackage(options: {
  config: RuntimeConfig;
  pluginsDir: string;
  packageDir: string;
  runtimeVersion: string;
}): Promise<{ processors: RegisteredProcessor[]; warnings: string[] }> {
  const processors = await readProcessorPackage({ packageDir: options.packageDir, source: 'installed' }, options.runtimeVersion);
  await checkEntriesExist(processors);
  const others = await otherProcessors(options.config, options.pluginsDir, options.packageDir, options.runtimeVersion);
  // The others first, so the message names what was there before and then the newcomer.
  ProcessorRegistry.fromProcessors([...others.processors, ...processors]);
  return { processors, warnings: others.warnings };
}
