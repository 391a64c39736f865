import fs from 'node:fs/promises';
import path from 'node:path';
import { PermanentJobError } from '@nself-jobs/sdk';

/** Env var naming the one directory local backups may be written under. */
export const BACKUP_DIR_ENV = 'JOBS_BACKUP_DIR';

export const DESTINATION_REFUSED_CODE = 'BACKUP_DESTINATION_REFUSED';

function refused(message: string): PermanentJobError {
  return Object.assign(new PermanentJobError(message), { reason: DESTINATION_REFUSED_CODE });
}

/** Whether `child` is `parent` or below it (both absolute and normalised). */
export function isWithin(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel.split(path.sep)[0] !== '..' && !path.isAbsolute(rel));
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * The file a local destination resolves to, checked against JOBS_BACKUP_DIR:
 *
 * - refused: no JOBS_BACKUP_DIR, any `..` segment (even one that would stay inside), a path
 *   outside the root, and any directory on the way that is a symlink leading out of the root;
 * - a path ending in `/`, or naming an existing directory, is a directory and the file inside it
 *   gets `generatedName`; anything else is the file itself (its directories are created);
 * - the root itself is created when missing (mode 0700: backups hold the whole database).
 *
 * Directories are walked one at a time from the root's real path, and each existing one is
 * resolved with realpath before anything is created inside it, so a symlink can never make us
 * create a directory outside the root. The file itself is written elsewhere under a temporary
 * name and renamed over the final name, which replaces a symlink there rather than following it.
 */
export async function resolveLocalDestination(destination: string, backupDir: string | undefined, generatedName: string): Promise<string> {
  if (!backupDir) {
    throw refused(`local backup destinations need ${BACKUP_DIR_ENV}: set it to the directory backups may be written under`);
  }
  if (destination.split(/[\\/]/).includes('..')) {
    throw refused(`payload.destination must not contain "..": ${destination}`);
  }
  const root = path.resolve(backupDir);
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  const realRoot = await fs.realpath(root);

  const wanted = path.resolve(root, destination);
  const base = isWithin(wanted, root) ? root : isWithin(wanted, realRoot) ? realRoot : undefined;
  if (base === undefined) throw refused(`payload.destination ${destination} is outside ${BACKUP_DIR_ENV} (${root})`);
  const rel = path.relative(base, wanted);
  const parts = rel === '' ? [] : rel.split(path.sep);

  const namesDirectory = rel === '' || /[\\/]$/.test(destination) || (await isDirectory(path.join(realRoot, rel)));
  const directoryParts = namesDirectory ? parts : parts.slice(0, -1);
  const fileName = namesDirectory ? generatedName : parts[parts.length - 1]!;

  let current = realRoot;
  for (const [index, part] of directoryParts.entries()) {
    const next = path.join(current, part);
    let real: string | undefined;
    try {
      real = await fs.realpath(next);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw error;
    }
    if (real === undefined) {
      // `current` is a real directory inside the root, so this creates inside the root.
      await fs.mkdir(next, { mode: 0o700 }).catch((error: unknown) => {
        if (errnoCode(error) !== 'EEXIST') throw error;
      });
      real = await fs.realpath(next);
    }
    if (!isWithin(real, realRoot)) {
      throw refused(`payload.destination ${destination} leads outside ${BACKUP_DIR_ENV} (${root}) through a symbolic link`);
    }
    if (!(await isDirectory(real))) throw refused(`payload.destination: ${path.join(...parts.slice(0, index + 1))} is not a directory`);
    current = real;
  }
  const file = path.join(current, fileName);
  if (await isDirectory(file)) throw refused(`payload.destination: ${file} is a directory (end the destination with "/" to write into it)`);
  return file;
}

async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isDirectory();
  } catch {
    return false;
  }
}
