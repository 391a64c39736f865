/**
 * Throughput of no-op jobs: bare BullMQ against nself-jobs (BullMQ + its PostgreSQL record),
 * on the same Redis, interleaved round by round. See bench/README.md.
 *
 *   node --import tsx bench/throughput.ts [--jobs 20000] [--rounds 3] [--concurrency 100] [--json]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { RuntimeConfig } from '../packages/runtime/src/index.js';
import { bareRound, type BareOptions } from './lib/bare-round.js';
import { CPU_COUNT, CpuMeter } from './lib/cpu-meter.js';
import { formatReport, ratio, roundOtherLoad, summary, type RoundResult, type RunInfo } from './lib/report.js';
import { runtimeRound } from './lib/runtime-round.js';
import { loadRuntimeModule, type RuntimeFrom, type RuntimeModule } from './lib/runtime-module.js';
import { startServices, type BenchServices } from './lib/services.js';

const NOOP_PROCESSOR_DIR = fileURLToPath(new URL('./noop-processor', import.meta.url));

const USAGE = `usage: node --import tsx bench/throughput.ts [options]

  -n, --jobs N            jobs per round and side (default 20000; env BENCH_JOBS)
  -r, --rounds N          rounds; each runs bare BullMQ, then nself-jobs (default 3; env BENCH_ROUNDS)
  -c, --concurrency N     worker concurrency of both (default 100; env BENCH_CONCURRENCY)
      --warmup N          jobs of an unreported first round of each side (default 2000; 0 for none)
      --timeout S         seconds one phase may take before the run fails (default 120)
      --settle S          before each phase, wait up to S seconds for other processes on the
                          machine to quiet down (default 20; 0 to start at once)
      --max-other-load P  a round during whose processing other processes used more than P percent
                          of the machine is run again (default 25)
      --retries N         at most N such repeats per round; the least disturbed run is kept (default 2)
      --bare-options M    plain: what a BullMQ user writes; runtime: also the job id, priority,
                          attempts, backoff and data envelope nself-jobs gives its jobs (default plain)
      --runtime-from M    src: the TypeScript sources through tsx (default); dist: the tsc build
                          (what production runs; refused when older than the sources)
      --profile DIR       write V8 CPU profiles of this process's processing phases to DIR
                          (r<n>-bare.cpuprofile, r<n>-nself-jobs.cpuprofile; warm-* for the warm-up)
      --json              print a machine-readable summary on stdout instead of the table
  -h, --help

Uses JOBS_REDIS_URL and DATABASE_URL when set (in a schema of its own, dropped at the end);
otherwise starts a private redis-server and PostgreSQL on free ports and stops them at the end.`;

interface BenchOptions {
  jobs: number;
  rounds: number;
  concurrency: number;
  warmup: number;
  timeoutMs: number;
  settleMs: number;
  maxOtherLoad: number;
  retries: number;
  bareOptions: BareOptions;
  profileDir: string | undefined;
  runtimeFrom: RuntimeFrom;
  json: boolean;
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      jobs: { type: 'string', short: 'n' },
      rounds: { type: 'string', short: 'r' },
      concurrency: { type: 'string', short: 'c' },
      warmup: { type: 'string' },
      timeout: { type: 'string' },
      settle: { type: 'string' },
      'max-other-load': { type: 'string' },
      retries: { type: 'string' },
      'bare-options': { type: 'string' },
      profile: { type: 'string' },
      'runtime-from': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, value: string | undefined, fallback: number, min: number, max = Infinity) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name}: expected an integer from ${min} to ${max}, got "${value}"`);
    return n;
  };
  const bareOptions = values['bare-options'] ?? 'plain';
  if (bareOptions !== 'plain' && bareOptions !== 'runtime') throw new UsageError(`--bare-options: expected plain or runtime, got "${bareOptions}"`);
  const runtimeFrom = values['runtime-from'] ?? 'src';
  if (runtimeFrom !== 'src' && runtimeFrom !== 'dist') throw new UsageError(`--runtime-from: expected src or dist, got "${runtimeFrom}"`);
  return {
    jobs: int('jobs', values.jobs ?? env.BENCH_JOBS, 20000, 1, 10_000_000),
    rounds: int('rounds', values.rounds ?? env.BENCH_ROUNDS, 3, 1, 100),
    concurrency: int('concurrency', values.concurrency ?? env.BENCH_CONCURRENCY, 100, 1, 1000),
    warmup: int('warmup', values.warmup, 2000, 0, 10_000_000),
    timeoutMs: int('timeout', values.timeout, 120, 1, 86_400) * 1000,
    settleMs: int('settle', values.settle, 20, 0, 3600) * 1000,
    maxOtherLoad: int('max-other-load', values['max-other-load'], 25, 0, 100) / 100,
    retries: int('retries', values.retries, 2, 0, 100),
    bareOptions,
    runtimeFrom,
    profileDir: values.profile === undefined ? undefined : path.resolve(values.profile),
    json: values.json ?? false,
  };
}

class UsageError extends Error {}

/** The runtime's configuration for one round: same servers, a fresh BullMQ prefix, the no-op processor, no logs. */
function runtimeConfig(rt: RuntimeModule, services: BenchServices, prefix: string, cwd: string): RuntimeConfig {
  return rt.loadConfig({
    cwd,
    env: {
      ...process.env,
      JOBS_REDIS_URL: services.redisUrl,
      DATABASE_URL: services.databaseUrl,
      JOBS_DB_SCHEMA: services.schema,
      JOBS_QUEUE_PREFIX: prefix,
      JOBS_PROCESSOR_PATHS: NOOP_PROCESSOR_DIR,
      LOG_LEVEL: 'silent',
    },
  });
}

interface RunContext {
  options: BenchOptions;
  runtimeModule: RuntimeModule;
  services: BenchServices;
  meter: CpuMeter;
  cwd: string;
  runId: string;
}

async function runRound(label: string, jobs: number, { options: o, runtimeModule, services, meter, cwd, runId }: RunContext) {
  const config = runtimeConfig(runtimeModule, services, `bench-${runId}-${label}-rt`, cwd);
  const profileTo = (side: string) => (o.profileDir ? path.join(o.profileDir, `${label}-${side}.cpuprofile`) : undefined);
  const bare = await bareRound({
    redisUrl: services.redisUrl,
    prefix: `bench-${runId}-${label}-bare`,
    jobs,
    concurrency: o.concurrency,
    timeoutMs: o.timeoutMs,
    meter,
    bareOptions: o.bareOptions,
    keepCompletedMs: config.cleanCompletedAfter,
    keepFailedMs: config.cleanFailedAfter,
    attempts: config.retryAttempts,
    backoffDelay: config.retryDelay,
    jobTimeout: config.jobTimeout,
    profileTo: profileTo('bare'),
  });
  const runtime = await runtimeRound({
    runtimeModule, config, jobs, concurrency: o.concurrency, timeoutMs: o.timeoutMs, meter, pool: services.pool, profileTo: profileTo('nself-jobs'),
  });
  return { bare, runtime };
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'nself-jobs-bench-'));
  let services: BenchServices | undefined;
  const cleanUp = async () => {
    await services?.stop();
    fs.rmSync(cwd, { recursive: true, force: true });
  };
  // Ctrl-C must not leave private servers behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`\n${signal}: stopping`);
      void cleanUp().finally(() => process.exit(130));
    });
  }

  try {
    if (options.profileDir) fs.mkdirSync(options.profileDir, { recursive: true });
    const runtimeModule = await loadRuntimeModule(options.runtimeFrom);
    services = await startServices(process.env);
    const meter = await CpuMeter.create(services.redis, services.pool);
    meter.settleMs = options.settleMs;
    const context: RunContext = { options, runtimeModule, services, meter, cwd, runId: crypto.randomBytes(3).toString('hex') };
    const info: RunInfo = {
      jobs: options.jobs,
      rounds: options.rounds,
      concurrency: options.concurrency,
      warmup: options.warmup,
      bareOptions: options.bareOptions,
      runtimeFrom: options.runtimeFrom,
      cpus: CPU_COUNT,
      node: process.version,
      redis: `Redis ${services.redisVersion} (${services.redisOrigin})`,
      postgres: `PostgreSQL ${services.postgresVersion} (${services.postgresOrigin})`,
      postgresCpuMeasured: meter.measuresPostgres,
    };
    progress(`${info.redis}, ${info.postgres}; ${options.jobs} jobs x ${options.rounds} rounds, concurrency ${options.concurrency}`);

    if (options.warmup > 0) {
      progress(`warm-up: ${options.warmup} jobs through each side`);
      await runRound('warm', options.warmup, context);
    }
    const results: RoundResult[] = [];
    for (let round = 1; round <= options.rounds; round += 1) {
      let kept: RoundResult | undefined;
      for (let attempt = 1; ; attempt += 1) {
        const { bare, runtime } = await runRound(`r${round}${attempt > 1 ? `-${attempt}` : ''}`, options.jobs, context);
        const result: RoundResult = { round, attempts: attempt, bare, runtime };
        const load = roundOtherLoad(result, CPU_COUNT);
        if (!kept || load < roundOtherLoad(kept, CPU_COUNT)) kept = { ...result };
        kept.attempts = attempt;
        if (load <= options.maxOtherLoad || attempt > options.retries) break;
        progress(`round ${round}: other processes used ${Math.round(load * 100)}% of the machine meanwhile; running it again`);
      }
      results.push(kept);
      const { bare, runtime } = kept;
      progress(`round ${round}/${options.rounds}: processing bare ${Math.round(bare.process.rate)} jobs/s, nself-jobs ${Math.round(runtime.process.rate)} jobs/s `
        + `(${ratio(runtime.process, bare.process).toFixed(2)}); enqueue bare ${Math.round(bare.enqueue.rate)}, nself-jobs ${Math.round(runtime.enqueue.rate)} `
        + `(${ratio(runtime.enqueue, bare.enqueue).toFixed(2)})`);
    }

    if (options.json) {
      process.stdout.write(`${JSON.stringify(summary(info, results), null, 2)}\n`);
    } else {
      process.stdout.write(`${formatReport(info, results)}\n`);
    }
    return 0;
  } catch (error) {
    progress(`bench failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await cleanUp();
  }
}

process.exit(await main());
