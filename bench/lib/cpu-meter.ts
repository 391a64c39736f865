import fs from 'node:fs';
import os from 'node:os';
import type { Redis } from 'ioredis';
import type pg from 'pg';

/** CPU seconds spent so far by each party of a run; null where it cannot be read. */
export interface CpuSnapshot {
  node: number;
  redis: number | null;
  postgres: number | null;
  /** Busy CPU seconds of the whole machine (every process), from /proc/stat. */
  machine: number | null;
}

/** CPU seconds spent by each party during one phase, and what the rest of the machine spent meanwhile. */
export interface CpuSpent extends CpuSnapshot {
  /** machine - node - redis - postgres: other processes (other test runs, builds...). */
  other: number | null;
}

const TICKS_PER_SECOND = 100; // USER_HZ; 100 on every Linux build Node supports

/**
 * Reads the CPU time of this process, of the Redis server (INFO cpu: works for any Redis)
 * and of the PostgreSQL server (from /proc: works only when it runs on this machine).
 */
export class CpuMeter {
  /** Before each phase, wait up to this long for other processes to quiet down (0: do not wait). */
  settleMs = 0;

  private constructor(private readonly redis: Redis, private readonly postmasterPid: number | null) {}

  static async create(redis: Redis, pool: pg.Pool): Promise<CpuMeter> {
    return new CpuMeter(redis, await findPostmaster(pool));
  }

  get measuresPostgres(): boolean {
    return this.postmasterPid !== null;
  }

  async snapshot(): Promise<CpuSnapshot> {
    const { user, system } = process.cpuUsage();
    return {
      node: (user + system) / 1e6,
      redis: await redisCpu(this.redis),
      postgres: this.postmasterPid === null ? null : postgresCpu(this.postmasterPid),
      machine: machineBusy(),
    };
  }
}

export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): CpuSpent {
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.max(0, b - a));
  const spent = {
    node: after.node - before.node,
    redis: delta(before.redis, after.redis),
    postgres: delta(before.postgres, after.postgres),
    machine: delta(before.machine, after.machine),
  };
  const other = spent.machine === null ? null
    : Math.max(0, spent.machine - spent.node - (spent.redis ?? 0) - (spent.postgres ?? 0));
  return { ...spent, other };
}

async function redisCpu(redis: Redis): Promise<number | null> {
  try {
    const info = await redis.info('cpu');
    const field = (name: string) => Number(/^(\S+):(\S+)$/m.exec(info.split('\n').find((l) => l.startsWith(`${name}:`)) ?? '')?.[2]);
    const total = field('used_cpu_user') + field('used_cpu_sys');
    return Number.isFinite(total) ? total : null;
  } catch {
    return null;
  }
}

/** The postmaster is the parent of our backend; null when that process is not on this machine. */
async function findPostmaster(pool: pg.Pool): Promise<number | null> {
  try {
    const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const ppid = Number(readStat(rows[0].pid)[1]);
    const comm = fs.readFileSync(`/proc/${ppid}/comm`, 'utf8').trim();
    return comm.startsWith('postgres') ? ppid : null;
  } catch {
    return null;
  }
}

/** Fields of /proc/<pid>/stat after the command name: [0] = state, [1] = ppid, [11] = utime ... */
function readStat(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * The postmaster's own time, the time of children it has reaped (closed backends) and
 * the time of its live children (backends, autovacuum, walwriter...).
 */
function postgresCpu(postmaster: number): number | null {
  try {
    const own = readStat(postmaster);
    // utime, stime, cutime, cstime are fields 14-17 of stat, i.e. [11]..[14] here.
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readStat(Number(entry));
        if (Number(stat[1]) === postmaster) ticks += Number(stat[11]) + Number(stat[12]);
      } catch {
        // The process ended while we looked.
      }
    }
    return ticks / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

function machineBusy(): number | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
    const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + (steal || 0)) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export const CPU_COUNT = os.availableParallelism?.() ?? os.cpus().length;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits until the whole machine has been nearly idle (busy below `threshold` of its
 * capacity over half a second) or `maxWaitMs` have passed; returns the last busy share.
 * Other test runs on a shared machine come and go: starting a phase in a quiet moment
 * makes the rounds comparable.
 */
export async function waitForQuietMachine(maxWaitMs: number, threshold = 0.15): Promise<number | null> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const before = machineBusy();
    await sleep(500);
    const after = machineBusy();
    if (before === null || after === null) return null;
    const share = (after - before) / (0.5 * CPU_COUNT);
    if (share < threshold || Date.now() >= deadline) return share;
  }
}
