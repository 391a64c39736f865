import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * What `jobs dev` remembers about its embedded PostgreSQL between runs, in `<data dir>/postgres.json`
 * (mode 0600: it holds the password). The port is kept so that a DATABASE_URL copied from an
 * earlier run keeps working; `ownerPid` tells a PostgreSQL still used by a running `jobs dev`
 * from one orphaned by a killed run.
 */
export interface PostgresState {
  port: number;
  user: string;
  password: string;
  database: string;
  ownerPid?: number;
}

export const STATE_FILE = 'postgres.json';

export async function readState(jobsDir: string): Promise<PostgresState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(jobsDir, STATE_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const state = JSON.parse(text) as Partial<PostgresState>;
    if (typeof state.password !== 'string' || typeof state.port !== 'number') throw new Error('password or port missing');
    return {
      port: state.port,
      user: typeof state.user === 'string' ? state.user : 'postgres',
      password: state.password,
      database: typeof state.database === 'string' ? state.database : 'nself_jobs',
      ownerPid: typeof state.ownerPid === 'number' ? state.ownerPid : undefined,
    };
  } catch (error) {
    throw new Error(`${path.join(jobsDir, STATE_FILE)} is not valid: ${(error as Error).message}`);
  }
}

/** Written to a temporary file first, created with mode 0600, then renamed over the old one. */
export async function writeState(jobsDir: string, state: PostgresState): Promise<void> {
  const file = path.join(jobsDir, STATE_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await fs.chmod(temporary, 0o600);
  await fs.rename(temporary, file);
}

/** URL-safe, so it goes into DATABASE_URL as it is. */
export function generatePassword(): string {
  return crypto.randomBytes(24).toString('base64url');
}
