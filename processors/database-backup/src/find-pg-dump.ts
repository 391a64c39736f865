import fs from 'node:fs';
import path from 'node:path';
import { PermanentJobError } from '@nself-jobs/sdk';

/** Optional: the pg_dump to use, when the automatic choice is not the right one. */
export const PG_DUMP_ENV = 'JOBS_BACKUP_PG_DUMP';

const DEBIAN_ROOT = '/usr/lib/postgresql';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Which pg_dump to run: JOBS_BACKUP_PG_DUMP when set; else the newest Debian/Ubuntu one under
 * /usr/lib/postgresql/<version>/bin (pg_dump refuses servers newer than itself, so newest wins,
 * and these are the real binaries rather than /usr/bin's pg_wrapper, which picks a version from
 * the local clusters); else the first pg_dump on PATH.
 */
export function findPgDump(env: Readonly<Record<string, string | undefined>>, debianRoot = DEBIAN_ROOT): string {
  const explicit = env[PG_DUMP_ENV];
  if (explicit) {
    if (!isExecutable(explicit)) throw new PermanentJobError(`${PG_DUMP_ENV}=${explicit} is not an executable file`);
    return explicit;
  }
  let versions: string[] = [];
  try {
    versions = fs.readdirSync(debianRoot).filter((v) => /^\d+(\.\d+)?$/.test(v) && isExecutable(path.join(debianRoot, v, 'bin', 'pg_dump')));
  } catch {
    // no Debian layout
  }
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length > 0) return path.join(debianRoot, versions[0]!, 'bin', 'pg_dump');

  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, 'pg_dump'))) return path.join(dir, 'pg_dump');
  }
  throw new PermanentJobError(
    `pg_dump not found under ${debianRoot}/*/bin or on PATH: install the PostgreSQL client ` +
      `(apt-get install postgresql-client) or set ${PG_DUMP_ENV}`,
  );
}
