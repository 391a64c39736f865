import { spawn, type ChildProcess } from 'node:child_process';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { PermanentJobError } from '@nself-jobs/sdk';
import type { PgDumpCommand } from './pg-dump-command.js';

export const PG_DUMP_FAILED_CODE = 'PG_DUMP_FAILED';
/** How much of pg_dump's stderr a failure carries: its last lines are the ones that explain. */
export const STDERR_TAIL_BYTES = 2048;
const KILL_GRACE_MS = 5000;

/** pg_dump failures that a retry cannot fix: fail the job at once. */
const PERMANENT_STDERR = [
  /database "[^"]*" does not exist/,
  /role "[^"]*" does not exist/,
  /password authentication failed/,
  /no password supplied/,
  /no pg_hba\.conf entry/,
  /permission denied/,
  /server version mismatch/,
  /no matching tables were found/,
  /invalid (?:connection option|URI|integer value)/,
];

export interface PgDumpExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT, EACCES). */
  error?: Error;
}

export interface PgDumpProcess {
  readonly stdout: Readable;
  readonly exited: Promise<PgDumpExit>;
  /**
   * A pass-through to put right after stdout: it ends only once pg_dump exited 0 and fails with
   * pg_dump's error otherwise, so no later stage (upload, rename) can mistake a failed dump that
   * closed its output for a finished one.
   */
  readonly gate: Transform;
  stderrTail(): string;
  /** SIGTERM (then SIGKILL after 5 s) if still running; resolves once it exited. */
  stop(): Promise<PgDumpExit>;
}

export function startPgDump(command: PgDumpCommand, describe: string): PgDumpProcess {
  const child: ChildProcess = spawn(command.command, command.args, { env: command.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = Buffer.alloc(0);
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = Buffer.concat([stderr, chunk]);
    if (stderr.length > STDERR_TAIL_BYTES * 2) stderr = stderr.subarray(stderr.length - STDERR_TAIL_BYTES);
  });
  const stderrTail = () => {
    const tail = stderr.length > STDERR_TAIL_BYTES ? stderr.subarray(stderr.length - STDERR_TAIL_BYTES) : stderr;
    return tail.toString('utf8').replace(/^\uFFFD+/, '').trim();
  };

  const exited = new Promise<PgDumpExit>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    // 'close' comes after stdout and stderr ended: the stderr tail is complete by then.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });

  const failure = (exit: PgDumpExit): Error => {
    if (exit.error) {
      return new PermanentJobError(`cannot run pg_dump (${command.command}): ${exit.error.message}`, { cause: exit.error });
    }
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const tail = stderrTail();
    const message = `pg_dump ${how} while dumping ${describe}${tail ? `: ${tail}` : ''}`;
    const permanent = PERMANENT_STDERR.some((pattern) => pattern.test(tail));
    const error = permanent ? new PermanentJobError(message) : new Error(message);
    return Object.assign(error, { reason: PG_DUMP_FAILED_CODE, exitCode: exit.code, stderr: tail }, permanent ? {} : { code: PG_DUMP_FAILED_CODE });
  };

  const gate = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      exited.then((exit) => callback(exit.code === 0 ? null : failure(exit)), callback);
    },
  });
  // A process that never started has no output to end: fail the gate directly.
  void exited.then((exit) => {
    if (exit.error && !gate.destroyed) gate.destroy(failure(exit));
  });

  return {
    stdout: child.stdout!,
    exited,
    gate,
    stderrTail,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        timer.unref();
        const exit = await exited;
        clearTimeout(timer);
        return exit;
      }
      return exited;
    },
  };
}
