import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { manifestSchema, type PackageManifest } from '@nself-jobs/sdk';
import semver from 'semver';
import { RegistryError } from './registry-error.js';

/** A package.json that carries a manifest valid against the SDK's meta-schema. */
export interface ValidManifest {
  packageName: string;
  packageVersion: string;
  manifest: PackageManifest;
}

let manifestValidator: ValidateFunction | undefined;

// Compiled on first use, so that importing the registry does no work.
function validatorOf(): ValidateFunction {
  manifestValidator ??= new Ajv({ allErrors: true, strict: false }).compile(manifestSchema);
  return manifestValidator;
}

/** "/processors/0/type" -> "nselfJobs.processors[0].type", the way a person reads package.json. */
function manifestPath(instancePath: string, extra?: string): string {
  const segments = instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  return segments.reduce((path, segment) => {
    if (/^\d+$/.test(segment)) return `${path}[${segment}]`;
    if (/^[A-Za-z_$][\w$]*$/.test(segment)) return `${path}.${segment}`;
    return `${path}[${JSON.stringify(segment)}]`;
  }, 'nselfJobs');
}

function describeManifestError(error: ErrorObject): { path: string; message: string } {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    return { path: manifestPath(error.instancePath, params.missingProperty), message: 'is required' };
  }
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return { path: manifestPath(error.instancePath, params.additionalProperty), message: 'is not a known manifest key' };
  }
  let message = error.message ?? `must pass "${error.keyword}"`;
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    message = `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (error.keyword === 'const') {
    message = `must be ${JSON.stringify(params.allowedValue)}`;
  }
  return { path: manifestPath(error.instancePath), message };
}

export function invalidManifest(
  packageName: string,
  packageDir: string,
  problems: Array<{ path: string; message: string }>,
): RegistryError {
  const lines = problems.map((p) => `  ${packageName}: ${p.path}: ${p.message}`).join('\n');
  return new RegistryError(
    'MANIFEST_INVALID',
    `${packageName} (${packageDir}) has an invalid nselfJobs manifest in its package.json; ` +
      `fix the manifest, or install a version of ${packageName} with a valid one:\n${lines}`,
    { packageName, details: { packageDir, problems } },
  );
}

/**
 * Checks a parsed package.json: a name, an `nselfJobs` key valid against the SDK's meta-schema,
 * and a runtime range that is valid semver and admits `runtimeVersion`.
 */
export function validateManifest(packageJson: unknown, packageDir: string, runtimeVersion: string): ValidManifest {
  if (typeof packageJson !== 'object' || packageJson === null || Array.isArray(packageJson)) {
    throw invalidManifest(packageDir, packageDir, [{ path: 'package.json', message: 'must be a JSON object' }]);
  }
  const pkg = packageJson as Record<string, unknown>;
  if (typeof pkg.name !== 'string' || pkg.name.length === 0) {
    throw invalidManifest(packageDir, packageDir, [{ path: 'name', message: 'package.json must have a "name"' }]);
  }
  const packageName = pkg.name;
  // A local package under development may have no version yet; the migration ledger still needs one.
  const packageVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  if (!('nselfJobs' in pkg)) {
    throw invalidManifest(packageName, packageDir, [
      { path: 'nselfJobs', message: 'is missing: this is not an nself-jobs processor package' },
    ]);
  }
  const validate = validatorOf();
  if (!validate(pkg.nselfJobs)) {
    throw invalidManifest(packageName, packageDir, (validate.errors ?? []).map(describeManifestError));
  }
  const manifest = pkg.nselfJobs as PackageManifest;

  const range = semver.validRange(manifest.runtime);
  if (range === null) {
    throw invalidManifest(packageName, packageDir, [
      { path: 'nselfJobs.runtime', message: `${JSON.stringify(manifest.runtime)} is not a valid semver range` },
    ]);
  }
  if (!semver.satisfies(runtimeVersion, range, { includePrerelease: true })) {
    const major = semver.major(runtimeVersion);
    throw new RegistryError(
      'RUNTIME_INCOMPATIBLE',
      `${packageName}@${packageVersion} (${packageDir}) requires @nself-jobs/runtime ${manifest.runtime}, ` +
        `but this runtime is ${runtimeVersion}: update ${packageName} to a version built for ` +
        `@nself-jobs/runtime ${major}.x, or uninstall it`,
      { packageName, details: { packageDir, required: manifest.runtime, runtimeVersion } },
    );
  }
  return { packageName, packageVersion, manifest };
}
