import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, waitForPort } from './free-port.js';

export interface RunningPostgres {
  /** Connection URL of the `postgres` database as superuser `postgres` (trust auth on loopback). */
  url: string;
  port: number;
  binDir: string;
  stop(): Promise<void>;
}

/** Finds Debian's PostgreSQL server binaries (initdb, postgres), newest version first. */
export function findPostgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) {
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)');
  }
  return path.join(root, versions[0], 'bin');
}

/** The port opens before recovery ends ("the database system is starting up"): wait for a real answer. */
async function waitForQueries(url: string, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

function postgresUser(): { uid?: number; gid?: number } {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root needs a `postgres` system user (apt-get install postgresql creates it)');
  }
}

/**
 * Starts a private PostgreSQL cluster in a temporary directory on a free port.
 * initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
 */
export async function startPostgres(): Promise<RunningPostgres> {
  const binDir = findPostgresBinDir();
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nself-jobs-pg-'));
  // As root, run the server binaries directly as the `postgres` user (no wrapper
  // process, so that our signals reach PostgreSQL itself).
  const owner = process.getuid?.() === 0 ? postgresUser() : {};
  if ('uid' in owner) fs.chownSync(dataDir, owner.uid!, owner.gid!);

  execFileSync(path.join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'], {
    stdio: ['ignore', 'ignore', 'pipe'], ...owner,
  });
  const child: ChildProcess = spawn(path.join(binDir, 'postgres'), [
    '-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', dataDir,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    '-c', 'max_connections=300', '-c', 'log_min_messages=fatal',
  ], { stdio: ['ignore', 'ignore', 'pipe'], ...owner });
  let stderr = '';
  child.stderr?.on('data', (chunk) => { stderr += String(chunk); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port);
    await waitForQueries(`postgres://postgres@127.0.0.1:${port}/postgres`);
  } catch (error) {
    throw new Error(`PostgreSQL did not start: ${stderr || (error as Error).message}`);
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    binDir,
    async stop() {
      // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions and exit.
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
