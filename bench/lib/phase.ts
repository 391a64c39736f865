import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpuSpent, waitForQuietMachine, type CpuMeter, type CpuSpent } from './cpu-meter.js';

/** One timed phase (enqueue or processing) of one side of a round. */
export interface PhaseResult {
  jobs: number;
  ms: number;
  /** Jobs per second. */
  rate: number;
  cpu: CpuSpent;
}

export interface SideResult {
  enqueue: PhaseResult;
  process: PhaseResult;
}

/**
 * Times `run` and takes the CPU each party spent meanwhile. With `profileTo`, the V8 CPU
 * profile of this process during `run` is written there (open it in Chrome DevTools).
 */
export async function measure(meter: CpuMeter, jobs: number, run: () => Promise<void>, profileTo?: string): Promise<PhaseResult> {
  if (meter.settleMs > 0) await waitForQuietMachine(meter.settleMs);
  const profiler = profileTo ? await startProfiler() : undefined;
  const before = await meter.snapshot();
  const started = performance.now();
  try {
    await run();
  } finally {
    if (profiler) await profiler.stopTo(profileTo!);
  }
  const ms = performance.now() - started;
  const after = await meter.snapshot();
  return { jobs, ms, rate: jobs / (ms / 1000), cpu: cpuSpent(before, after) };
}

async function startProfiler(): Promise<{ stopTo(file: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    async stopTo(file) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      fs.writeFileSync(file, JSON.stringify(profile));
    },
  };
}

export class BenchTimeoutError extends Error {}

/** Rejects with `message()` (evaluated at that moment, so it can say how far things got) after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchTimeoutError(message())), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
