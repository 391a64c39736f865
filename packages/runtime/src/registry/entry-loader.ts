import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isProcessorDefinition, type ProcessorDefinition } from '@nself-jobs/sdk';
import { RegistryError } from './registry-error.js';

export interface EntryInfo {
  type: string;
  packageName: string;
  packageDir: string;
  /** As written in the manifest, for messages. */
  entry: string;
  /** Absolute path of the entry module. */
  entryPath: string;
}

function entryInvalid(info: EntryInfo, problem: string, cause?: unknown): RegistryError {
  return new RegistryError(
    'ENTRY_INVALID',
    `${info.packageName} (${info.packageDir}): the entry ${info.entry} of job type "${info.type}" ${problem}`,
    { packageName: info.packageName, details: { type: info.type, entryPath: info.entryPath }, cause },
  );
}

async function importEntry(info: EntryInfo): Promise<ProcessorDefinition> {
  // Checked here, not at discovery: an entry is often a build output that appears after install.
  if (!existsSync(info.entryPath)) {
    throw entryInvalid(info, `does not exist (${info.entryPath}): build ${info.packageName} or reinstall it`);
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(info.entryPath).href)) as { default?: unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw entryInvalid(info, `failed to load: ${reason}`, error);
  }
  const definition = module.default;
  // A brand check, not instanceof: the package may bundle its own copy of the SDK.
  if (!isProcessorDefinition(definition)) {
    throw entryInvalid(
      info,
      'does not default-export a processor definition: ' +
        'make it `export default defineProcessor({ type, process })` from @nself-jobs/sdk',
    );
  }
  if (definition.type !== info.type) {
    throw entryInvalid(
      info,
      `defines job type "${definition.type}" but the manifest declares "${info.type}": ` +
        `make the type in the entry and in package.json nselfJobs.processors match`,
    );
  }
  return definition;
}

/**
 * A `load()` that imports the entry on its first call only. A failure is cached too, so every
 * caller gets the same answer (Node also caches a module that failed to evaluate).
 */
export function createEntryLoader(info: EntryInfo): () => Promise<ProcessorDefinition> {
  let loading: Promise<ProcessorDefinition> | undefined;
  return () => {
    loading ??= importEntry(info);
    return loading;
  };
}
