import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PluginError } from './plugin-error.js';

/** The scope short names expand into: `jobs plugins:install pdf` -> `@nself-jobs/processor-pdf`. */
export const SHORT_NAME_PREFIX = '@nself-jobs/processor-';

export type PluginSourceKind = 'npm' | 'path' | 'tarball';

/** What the user asked to install, classified. */
export interface InstallTarget {
  kind: PluginSourceKind;
  /** As typed. */
  request: string;
  /** npm: the spec npm is given (short name already expanded or not, see `shortName`). */
  npmSpec?: string;
  /** npm: the package name, when the spec names one (not for git or URL specs). */
  name?: string;
  /** npm: the version range or tag asked for ("latest" when none). */
  range?: string;
  /** npm: the `@nself-jobs/processor-` spelling of a short name, tried before the name as typed. */
  shortName?: { expanded: string; name: string };
  /** path and tarball: absolute. */
  location?: string;
}

const TARBALL = /\.(tgz|tar\.gz)$/i;
const SHORT_NAME = /^([a-z0-9][a-z0-9._-]*)(?:@(.+))?$/;
const NPM_NAME = /^((?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*)(?:@(.+))?$/i;

function expandHome(request: string): string {
  return request === '~' || request.startsWith('~/') ? path.join(os.homedir(), request.slice(1)) : request;
}

function looksLikePath(request: string): boolean {
  return /^(\.{1,2}([/\\]|$)|[/\\]|~([/\\]|$)|[A-Za-z]:[/\\])/.test(request) || request.startsWith('file:');
}

/** A tarball file, or a directory with a package.json: what `npm pack` can make a package of. */
function localPackage(location: string): 'path' | 'tarball' | undefined {
  if (!existsSync(location)) return undefined;
  const stat = statSync(location);
  if (stat.isFile()) return TARBALL.test(location) ? 'tarball' : undefined;
  return stat.isDirectory() && existsSync(path.join(location, 'package.json')) ? 'path' : undefined;
}

/** The package name and range of a registry spec (`@scope/name@^2`, `name@latest`); undefined for git and URL specs. */
export function parseNpmSpec(spec: string): { name: string; range: string } | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(spec)) return undefined; // git+https:, github:, http:, file:...
  const match = NPM_NAME.exec(spec);
  return match ? { name: match[1], range: match[2] ?? 'latest' } : undefined;
}

/**
 * Classifies an install request the way @oclif/plugin-plugins does: an existing tarball or package
 * directory is installed from disk (`./greet`, `../x.tgz`, `file:...`); anything else goes to npm.
 * A bare unscoped name that is not a path (`pdf`, `pdf@^2`) also gets a short-name candidate,
 * `@nself-jobs/processor-pdf`, which the installer prefers when the registry has it.
 */
export function classifyInstallRequest(request: string, cwd: string): InstallTarget {
  const trimmed = request.trim();
  if (trimmed === '') throw new PluginError('PLUGIN_SPEC_INVALID', 'name a package to install: an npm name, a directory or a .tgz file');
  const asPath = expandHome(trimmed.startsWith('file:') ? trimmed.slice('file:'.length) : trimmed);
  const location = path.resolve(cwd, asPath);
  const local = localPackage(location);
  if (local) return { kind: local, request: trimmed, location };
  if (looksLikePath(trimmed) || (TARBALL.test(trimmed) && !/^[a-z]+:\/\//i.test(trimmed))) {
    const problem = existsSync(location)
      ? TARBALL.test(location) ? 'is not a file' : 'is neither a package directory (no package.json) nor a .tgz file'
      : 'does not exist';
    throw new PluginError('PLUGIN_SPEC_INVALID', `cannot install ${trimmed}: ${location} ${problem}`, { details: { location } });
  }
  const parsed = parseNpmSpec(trimmed);
  const target: InstallTarget = { kind: 'npm', request: trimmed, npmSpec: trimmed, ...parsed };
  const short = SHORT_NAME.exec(trimmed);
  if (short) {
    const name = `${SHORT_NAME_PREFIX}${short[1]}`;
    target.shortName = { name, expanded: short[2] ? `${name}@${short[2]}` : name };
  }
  return target;
}
