import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { RunAs } from './postgres-user.js';

export interface PostgresProcessOptions {
  binary: string;
  dataDir: string;
  port: number;
  /** Where the server's own log goes (truncated at each start). */
  logFile: string;
  runAs?: RunAs;
  readyTimeoutMs?: number;
}

export interface PostgresProcess {
  readonly pid: number;
  /** Fast shutdown (SIGINT: sessions are ended, then a checkpoint), escalating if it hangs. */
  stop(): Promise<void>;
  /** For a process that is exiting right now: asks for a fast shutdown without waiting. */
  stopNow(): void;
}

/** Thrown when the server exits before it is ready; `portInUse` when another process holds the port. */
export class PostgresStartError extends Error {
  constructor(message: string, readonly portInUse: boolean) {
    super(message);
    this.name = 'PostgresStartError';
  }
}

/**
 * Runs `postgres` itself rather than through EmbeddedPostgres.start(): that one spawns the server
 * in this process's process group, so the SIGINT a terminal sends on Ctrl-C to the whole foreground
 * group would shut PostgreSQL down at once, under workers that are still closing. Detached (its own
 * session), the server only stops when `jobs dev` asks it to, after everything else. Its output
 * goes to a file, so an orphaned server never blocks on a full pipe.
 */
export async function startPostgresProcess(options: PostgresProcessOptions): Promise<PostgresProcess> {
  const logFd = fs.openSync(options.logFile, 'w', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(options.binary, [
      '-D', options.dataDir,
      '-p', String(options.port),
      '-c', 'listen_addresses=127.0.0.1',
      // No Unix socket: nothing to collide with in /tmp, no /var/run/postgresql needed.
      '-c', 'unix_socket_directories=',
    ], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, LC_MESSAGES: 'C' },
      ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
    });
  } finally {
    fs.closeSync(logFd);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => {});
  const onProcessExit = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT'); };
  process.on('exit', onProcessExit);

  try {
    await Promise.race([waitUntilReady(options, child), spawnError]);
  } catch (error) {
    process.removeListener('exit', onProcessExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT');
      await exited;
    }
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid!,
    stop() {
      stopping ??= (async () => {
        for (const [signal, waitMs] of [['SIGINT', 30_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]] as const) {
          if (child.exitCode !== null || child.signalCode !== null) break;
          child.kill(signal);
          if (await Promise.race([exited.then(() => true), sleep(waitMs).then(() => false)])) break;
        }
        process.removeListener('exit', onProcessExit);
      })();
      return stopping;
    },
    stopNow: onProcessExit,
  };
}

/**
 * Ready when postmaster.pid names this process and its status line says "ready" (PostgreSQL
 * writes that once it accepts connections): no log parsing, no connection attempts.
 */
async function waitUntilReady(options: PostgresProcessOptions, child: ChildProcess): Promise<void> {
  const pidFile = path.join(options.dataDir, 'postmaster.pid');
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = tail(options.logFile);
      throw new PostgresStartError(
        `PostgreSQL exited while starting (${child.exitCode !== null ? `code ${child.exitCode}` : child.signalCode}); its log (${options.logFile}) ends with:\n${log}`,
        /could not bind|address already in use/i.test(log),
      );
    }
    const lines = readLines(pidFile);
    if (lines && Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') return;
    if (Date.now() > deadline) {
      throw new PostgresStartError(`PostgreSQL did not become ready within ${options.readyTimeoutMs ?? 60_000} ms; see ${options.logFile}`, false);
    }
    await sleep(20);
  }
}

function readLines(file: string): string[] | undefined {
  try {
    return fs.readFileSync(file, 'utf8').split('\n');
  } catch {
    return undefined;
  }
}

/** The last lines of a log, for an error message. */
function tail(file: string, lines = 12): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((line) => `  ${line}`).join('\n');
  } catch {
    return '  (no log)';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
