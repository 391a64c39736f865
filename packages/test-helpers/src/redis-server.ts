import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitForPort } from './free-port.js';

export interface RunningRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** noeviction unless told otherwise (BullMQ needs it; tests of the startup check want another). */
  maxmemoryPolicy?: string;
  /** More redis-server arguments, e.g. ['--rename-command', 'CONFIG', ''] for a Redis without CONFIG. */
  extraArgs?: string[];
}

/** Starts a private, memory-only redis-server (Debian's package) on a free port. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RunningRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--maxmemory-policy', options.maxmemoryPolicy ?? 'noeviction', '--loglevel', 'warning', ...(options.extraArgs ?? [])],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (error) => { throw new Error(`cannot start redis-server: ${error.message}`); });
  await waitForPort(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
