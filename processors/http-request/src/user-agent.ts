import { readFileSync } from 'node:fs';

/**
 * `nself-jobs-http-request/<version>`, the version read from this package's package.json (one level
 * up from both src/ and dist/). Read in setup, not at import, and tolerant of a bundled copy that
 * has no package.json next to it.
 */
export function defaultUserAgent(): string {
  let version = 'unknown';
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string') version = pkg.version;
  } catch {
    // keep 'unknown': a missing version is no reason to fail jobs
  }
  return `nself-jobs-http-request/${version}`;
}
