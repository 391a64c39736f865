import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProcessorManifestEntry } from '@nself-jobs/sdk';
import { compilePayloadSchema } from './compile-payload-schema.js';
import { createEntryLoader } from './entry-loader.js';
import { RegistryError } from './registry-error.js';
import type { ProcessorSource, RegisteredProcessor } from './types.js';
import { invalidManifest, validateManifest } from './validate-manifest.js';

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Resolves a manifest path against the package directory, refusing one that leaves it
 * (`../x.js`, an absolute path): a package may only point at its own files.
 */
function insidePackage(packageDir: string, relative: string): string | undefined {
  const resolved = path.resolve(packageDir, relative);
  const fromDir = path.relative(packageDir, resolved);
  if (fromDir === '' || fromDir === '..' || fromDir.startsWith(`..${path.sep}`) || path.isAbsolute(fromDir)) {
    return undefined;
  }
  return resolved;
}

async function readPackageJson(packageDir: string): Promise<unknown> {
  const file = path.join(packageDir, 'package.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RegistryError(
      'PACKAGE_NOT_FOUND',
      `no processor package at ${packageDir}: cannot read ${file} (${errorMessage(error)}); ` +
        `check the path, or reinstall the package`,
      { details: { packageDir }, cause: error },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidManifest(packageDir, packageDir, [{ path: 'package.json', message: `is not valid JSON: ${errorMessage(error)}` }]);
  }
}

function schemaInvalid(
  packageName: string,
  packageDir: string,
  entry: ProcessorManifestEntry,
  schemaPath: string,
  problem: string,
  cause?: unknown,
): RegistryError {
  return new RegistryError(
    'SCHEMA_INVALID',
    `${packageName} (${packageDir}): the payload schema ${entry.payloadSchema} of job type "${entry.type}" ` +
      `${problem}; fix the schema, or install a version of ${packageName} with a valid one`,
    { packageName, details: { type: entry.type, schemaPath }, cause },
  );
}

async function readPayloadSchema(
  packageName: string,
  packageDir: string,
  entry: ProcessorManifestEntry,
  schemaPath: string,
): Promise<Record<string, unknown>> {
  const refuse = (problem: string, cause?: unknown) =>
    schemaInvalid(packageName, packageDir, entry, schemaPath, problem, cause);
  let text: string;
  try {
    text = await readFile(schemaPath, 'utf8');
  } catch (error) {
    throw refuse(`cannot be read (${errorMessage(error)})`, error);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (error) {
    throw refuse(`is not valid JSON: ${errorMessage(error)}`, error);
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw refuse('must be a JSON object');
  }
  return schema as Record<string, unknown>;
}

/**
 * Reads and validates one processor package without running any of its code: the manifest
 * against the SDK's meta-schema, the runtime range, the paths, and every payload schema
 * (which must parse and compile). Returns one entry per declared processor type.
 */
export async function readProcessorPackage(source: ProcessorSource, runtimeVersion: string): Promise<RegisteredProcessor[]> {
  const packageDir = path.resolve(source.packageDir);
  const { packageName, packageVersion, manifest } = validateManifest(
    await readPackageJson(packageDir),
    packageDir,
    runtimeVersion,
  );

  const pathProblems: Array<{ path: string; message: string }> = [];
  const outside = (value: string) => `${JSON.stringify(value)} points outside the package directory`;
  manifest.processors.forEach((entry, index) => {
    if (!insidePackage(packageDir, entry.entry)) {
      pathProblems.push({ path: `nselfJobs.processors[${index}].entry`, message: outside(entry.entry) });
    }
    if (!insidePackage(packageDir, entry.payloadSchema)) {
      pathProblems.push({ path: `nselfJobs.processors[${index}].payloadSchema`, message: outside(entry.payloadSchema) });
    }
  });
  const migrationsDir = manifest.migrations === undefined ? undefined : insidePackage(packageDir, manifest.migrations);
  if (manifest.migrations !== undefined && migrationsDir === undefined) {
    pathProblems.push({ path: 'nselfJobs.migrations', message: outside(manifest.migrations) });
  }
  if (pathProblems.length > 0) throw invalidManifest(packageName, packageDir, pathProblems);

  const seen = new Set<string>();
  for (const entry of manifest.processors) {
    if (seen.has(entry.type)) {
      throw new RegistryError(
        'DUPLICATE_TYPE',
        `${packageName} (${packageDir}) declares job type "${entry.type}" more than once in nselfJobs.processors: ` +
          `rename one of the types, or install a fixed version of ${packageName}`,
        {
          packageName,
          details: {
            type: entry.type,
            packages: [{ name: packageName, version: packageVersion, source: source.source, packageDir }],
          },
        },
      );
    }
    seen.add(entry.type);
  }

  return Promise.all(
    manifest.processors.map(async (entry): Promise<RegisteredProcessor> => {
      const schemaPath = path.resolve(packageDir, entry.payloadSchema);
      const payloadSchema = await readPayloadSchema(packageName, packageDir, entry, schemaPath);
      let validatePayload: RegisteredProcessor['validatePayload'];
      try {
        validatePayload = compilePayloadSchema(payloadSchema);
      } catch (error) {
        throw schemaInvalid(packageName, packageDir, entry, schemaPath, `does not compile: ${errorMessage(error)}`, error);
      }
      return {
        type: entry.type,
        description: entry.description,
        packageName,
        packageVersion,
        packageDir,
        source: source.source,
        defaults: structuredClone(entry.defaults ?? {}),
        payloadSchema,
        migrationsDir,
        validatePayload,
        load: createEntryLoader({
          type: entry.type,
          packageName,
          packageDir,
          entry: entry.entry,
          entryPath: path.resolve(packageDir, entry.entry),
        }),
      };
    }),
  );
}
