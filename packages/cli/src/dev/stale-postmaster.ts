import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** One letter, as in ps: R, S, Z ... */
  state: string;
  /** The command line, arguments joined by spaces. */
  command: string;
}

export type LogLine = (message: string) => void;

/**
 * Makes the data directory startable after an earlier run that did not stop cleanly:
 * - postmaster.pid names a process that is gone, or a process that is not this cluster's
 *   PostgreSQL (containers reuse low pids all the time, and PostgreSQL then refuses to start):
 *   the file is removed;
 * - it names this cluster's PostgreSQL, orphaned by a `jobs dev` that was killed: that server is
 *   shut down (fast, then immediate, then SIGKILL) and the file removed;
 * - it names a PostgreSQL whose parent is the `jobs dev` recorded as running it: an error, as
 *   two processes must not share one cluster.
 */
export async function clearStalePostmaster(dataDir: string, ownerPid: number | undefined, log: LogLine): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const pid = await readPostmasterPid(pidFile);
  if (pid === undefined) return;
  const info = await inspectProcess(pid);
  if (!info || info.state === 'Z' || !isPostmasterOf(info, dataDir)) {
    log(`removing a stale ${pidFile} (process ${pid} is ${info && info.state !== 'Z' ? 'not this PostgreSQL' : 'gone'})`);
    await fs.rm(pidFile, { force: true });
    return;
  }
  if (ownerPid !== undefined && info.ppid === ownerPid && ownerPid !== process.pid) {
    throw Object.assign(new Error(`PostgreSQL (pid ${pid}) in ${dataDir} is in use by another \`jobs dev\` (pid ${ownerPid}); stop that one first`), { code: 'SETUP_INVALID' });
  }
  log(`stopping PostgreSQL (pid ${pid}) left running by an earlier \`jobs dev\` that did not stop cleanly`);
  await stopProcess(pid);
  await fs.rm(pidFile, { force: true });
}

/** The first line of postmaster.pid, or undefined when there is no (readable) file. */
export async function readPostmasterPid(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await fs.readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isPostmasterOf(info: ProcessInfo, dataDir: string): boolean {
  return /(^|\/)postgres(\s|$)/.test(info.command) && info.command.includes(dataDir);
}

/** From /proc on Linux (no procps needed), from ps elsewhere; undefined when there is no such process. */
export async function inspectProcess(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const [stat, cmdline] = await Promise.all([
      fs.readFile(`/proc/${pid}/stat`, 'utf8'),
      fs.readFile(`/proc/${pid}/cmdline`, 'utf8'),
    ]);
    // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0] ?? '?', ppid: Number(fields[1]), command: cmdline.split('\0').filter(Boolean).join(' ') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && process.platform === 'linux') return undefined;
  }
  try {
    const { stdout } = await run('ps', ['-o', 'ppid=,stat=,args=', '-p', String(pid)]);
    const match = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(stdout.trim());
    return match ? { pid, ppid: Number(match[1]), state: match[2][0] ?? '?', command: match[3] } : undefined;
  } catch {
    return undefined; // ps exits 1 when the process does not exist
  }
}

async function isAlive(pid: number): Promise<boolean> {
  const info = await inspectProcess(pid);
  return info !== undefined && info.state !== 'Z';
}

async function stopProcess(pid: number): Promise<void> {
  for (const [signal, waitMs] of [['SIGINT', 15_000], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return; // gone already
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!(await isAlive(pid))) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`PostgreSQL (pid ${pid}) did not stop`);
}
