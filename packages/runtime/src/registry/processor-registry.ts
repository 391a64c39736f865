import { realpathSync } from 'node:fs';
import path from 'node:path';
import { readProcessorPackage } from './read-processor-package.js';
import { RegistryError } from './registry-error.js';
import type { ProcessorSource, RegisteredProcessor } from './types.js';

function describePackage(p: RegisteredProcessor): string {
  return `${p.packageName}@${p.packageVersion} (${p.source}, ${p.packageDir})`;
}

/** The same directory named twice (a path that is also installed, a symlink) is read once. */
function canonicalDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir); // missing: readProcessorPackage reports it
  }
}

/** The job types this runtime can run, each mapped to the package that declares it. */
export class ProcessorRegistry {
  readonly #byType: Map<string, RegisteredProcessor>;

  private constructor(byType: Map<string, RegisteredProcessor>) {
    this.#byType = byType;
  }

  /**
   * Reads every source without running processor code. The first refusal (in source order)
   * is thrown: a runtime with a broken or conflicting processor package does not start.
   */
  static async discover(options: { sources: ProcessorSource[]; runtimeVersion: string }): Promise<ProcessorRegistry> {
    const seenDirs = new Set<string>();
    const sources = options.sources.filter((source) => {
      const dir = canonicalDir(source.packageDir);
      if (seenDirs.has(dir)) return false;
      seenDirs.add(dir);
      return true;
    });
    // allSettled, so that a later rejection never goes unhandled after the first one is thrown.
    const results = await Promise.allSettled(sources.map((s) => readProcessorPackage(s, options.runtimeVersion)));
    const processors: RegisteredProcessor[] = [];
    for (const result of results) {
      if (result.status === 'rejected') throw result.reason;
      processors.push(...result.value);
    }
    return ProcessorRegistry.fromProcessors(processors);
  }

  /** Builds a registry from processors already read (tests, or a caller that filters them). */
  static fromProcessors(list: RegisteredProcessor[]): ProcessorRegistry {
    const byType = new Map<string, RegisteredProcessor>();
    for (const processor of list) {
      const existing = byType.get(processor.type);
      if (existing) {
        throw new RegistryError(
          'DUPLICATE_TYPE',
          `job type "${processor.type}" is declared by two packages: ${describePackage(existing)} and ` +
            `${describePackage(processor)}; rename one of the types or uninstall one package`,
          {
            packageName: processor.packageName,
            details: {
              type: processor.type,
              packages: [existing, processor].map((p) => ({
                name: p.packageName,
                version: p.packageVersion,
                source: p.source,
                packageDir: p.packageDir,
              })),
            },
          },
        );
      }
      byType.set(processor.type, processor);
    }
    return new ProcessorRegistry(byType);
  }

  get(type: string): RegisteredProcessor | undefined {
    return this.#byType.get(type);
  }

  /** Like `get`, but refuses an unknown type with a message listing the installed ones. */
  require(type: string): RegisteredProcessor {
    const processor = this.#byType.get(type);
    if (processor) return processor;
    const known = this.types();
    throw new RegistryError(
      'UNKNOWN_TYPE',
      `unknown job type "${type}": ` +
        (known.length > 0 ? `installed types are ${known.join(', ')}` : 'no processor is installed') +
        '; check the spelling, or install the processor package that provides it',
      { details: { type, known } },
    );
  }

  /** Installed job types, sorted. */
  types(): string[] {
    return [...this.#byType.keys()].sort();
  }

  /** Registered processors, sorted by type. */
  list(): RegisteredProcessor[] {
    return this.types().map((type) => this.#byType.get(type)!);
  }
}
