import type { CpuSpent } from './cpu-meter.js';
import type { PhaseResult, SideResult } from './phase.js';

export interface RoundResult {
  round: number;
  /** How many times the round ran (more than once when other processes disturbed it). */
  attempts: number;
  bare: SideResult;
  runtime: SideResult & { recorderRows: number };
}

export interface RunInfo {
  jobs: number;
  rounds: number;
  concurrency: number;
  warmup: number;
  bareOptions: string;
  runtimeFrom: string;
  cpus: number;
  node: string;
  redis: string;
  postgres: string;
  postgresCpuMeasured: boolean;
}

type Party = 'node' | 'redis' | 'postgres';
const PARTIES: Array<{ key: Party; label: string }> = [
  { key: 'node', label: 'Node (this process)' },
  { key: 'redis', label: 'Redis' },
  { key: 'postgres', label: 'PostgreSQL' },
];

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const ratio = (runtime: PhaseResult, bare: PhaseResult) => runtime.rate / bare.rate;

/** Microseconds of CPU per job that a party spent in a phase; null when not measured. */
function usPerJob(phase: PhaseResult, party: Party): number | null {
  const seconds = phase.cpu[party];
  return seconds === null ? null : (seconds * 1e6) / phase.jobs;
}

/** Share of the machine's capacity that other processes used during the phase. */
export function otherLoad(phase: PhaseResult, cpus: number): number | null {
  return phase.cpu.other === null ? null : phase.cpu.other / ((phase.ms / 1000) * cpus);
}

/** The larger share of the machine other processes used during either processing phase of a round. */
export function roundOtherLoad(r: RoundResult, cpus: number): number {
  return Math.max(otherLoad(r.bare.process, cpus) ?? 0, otherLoad(r.runtime.process, cpus) ?? 0);
}

function medianOf(results: RoundResult[], pick: (r: RoundResult) => number | null): number | null {
  const values = results.map(pick).filter((v): v is number => v !== null);
  return values.length === 0 ? null : median(values);
}

export interface CpuPerJob {
  bare: Record<Party | 'total', number | null>;
  runtime: Record<Party | 'total', number | null>;
  /** bare total / runtime total: the ratio the CPU alone predicts when the machine is saturated. */
  predictedRatio: number | null;
}

export function cpuPerJob(results: RoundResult[], phase: 'enqueue' | 'process'): CpuPerJob {
  const side = (which: 'bare' | 'runtime') => {
    const out = {} as Record<Party | 'total', number | null>;
    for (const { key } of PARTIES) out[key] = medianOf(results, (r) => usPerJob(r[which][phase], key));
    out.total = medianOf(results, (r) => PARTIES.reduce((sum, { key }) => sum + (usPerJob(r[which][phase], key) ?? 0), 0));
    return out;
  };
  const bare = side('bare');
  const runtime = side('runtime');
  return { bare, runtime, predictedRatio: bare.total && runtime.total ? bare.total / runtime.total : null };
}

export function summary(info: RunInfo, results: RoundResult[]) {
  const processingCpu = cpuPerJob(results, 'process');
  return {
    settings: info,
    rounds: results.map((r) => ({
      round: r.round,
      attempts: r.attempts,
      otherLoad: round(roundOtherLoad(r, info.cpus), 3),
      bare: { enqueue: phaseJson(r.bare.enqueue), process: phaseJson(r.bare.process) },
      runtime: { enqueue: phaseJson(r.runtime.enqueue), process: phaseJson(r.runtime.process), recorderRows: r.runtime.recorderRows },
      ratio: { processing: round(ratio(r.runtime.process, r.bare.process), 3), enqueue: round(ratio(r.runtime.enqueue, r.bare.enqueue), 3) },
    })),
    median: {
      processing: round(median(results.map((r) => ratio(r.runtime.process, r.bare.process))), 3),
      enqueue: round(median(results.map((r) => ratio(r.runtime.enqueue, r.bare.enqueue))), 3),
      processingPredictedByCpu: processingCpu.predictedRatio === null ? null : round(processingCpu.predictedRatio, 3),
    },
    cpuPerJobUs: { processing: roundDeep(processingCpu), enqueue: roundDeep(cpuPerJob(results, 'enqueue')) },
  };
}

function phaseJson(p: PhaseResult) {
  return { ms: round(p.ms, 1), rate: Math.round(p.rate), cpuSeconds: roundDeep(p.cpu as unknown as Record<string, unknown>) as unknown as CpuSpent };
}

export function formatReport(info: RunInfo, results: RoundResult[]): string {
  const lines: string[] = [];
  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  const r2 = (v: number) => v.toFixed(2);
  const pct = (v: number | null) => (v === null ? '  ?' : `${Math.round(v * 100)}%`.padStart(4));
  const pad = (s: string, w: number) => s.padStart(w);

  lines.push('');
  lines.push(`nself-jobs throughput: ${n(info.jobs)} no-op jobs per round, ${info.rounds} rounds`
    + `${info.warmup ? ` (after a warm-up of ${n(info.warmup)})` : ''}, concurrency ${info.concurrency}`);
  lines.push(`bare job options: ${info.bareOptions}; nself-jobs from ${info.runtimeFrom === 'src' ? 'its sources (tsx)' : 'its build (dist)'}`);
  lines.push(`${info.cpus} CPUs, Node ${info.node}, ${info.redis}, ${info.postgres}`);
  lines.push('');
  lines.push(`       ${'processing (jobs/s)'.padEnd(34)}${'enqueue (jobs/s)'.padEnd(34)}other load`);
  lines.push(`round  ${pad('bare', 9)}${pad('nself-jobs', 12)}${pad('ratio', 8)}     ${pad('bare', 9)}${pad('nself-jobs', 12)}${pad('ratio', 8)}     (processing)`);
  for (const r of results) {
    const other = roundOtherLoad(r, info.cpus);
    lines.push(`${String(r.round).padEnd(5)}  ${pad(n(r.bare.process.rate), 9)}${pad(n(r.runtime.process.rate), 12)}${pad(r2(ratio(r.runtime.process, r.bare.process)), 8)}     `
      + `${pad(n(r.bare.enqueue.rate), 9)}${pad(n(r.runtime.enqueue.rate), 12)}${pad(r2(ratio(r.runtime.enqueue, r.bare.enqueue)), 8)}     ${pct(other)}${r.attempts > 1 ? ` (run ${r.attempts}x)` : ''}`);
  }
  const processing = median(results.map((r) => ratio(r.runtime.process, r.bare.process)));
  const enqueue = median(results.map((r) => ratio(r.runtime.enqueue, r.bare.enqueue)));
  lines.push(`median ${pad('', 21)}${pad(r2(processing), 8)}     ${pad('', 21)}${pad(r2(enqueue), 8)}`);

  for (const [phase, title] of [['process', 'processing'], ['enqueue', 'enqueue']] as const) {
    const cpu = cpuPerJob(results, phase);
    const us = (v: number | null) => (v === null ? '-' : v.toFixed(0));
    lines.push('');
    lines.push(`${`CPU per job, ${title} (µs, median of rounds)`.padEnd(43)}${pad('bare', 6)}${pad('nself-jobs', 12)}${pad('extra', 8)}`);
    for (const { key, label } of [...PARTIES, { key: 'total' as const, label: 'total' }]) {
      const extra = cpu.bare[key] !== null && cpu.runtime[key] !== null ? cpu.runtime[key]! - cpu.bare[key]! : null;
      lines.push(`  ${label.padEnd(41)}${pad(us(cpu.bare[key]), 6)}${pad(us(cpu.runtime[key]), 12)}${pad(extra === null ? '-' : `${extra >= 0 ? '+' : ''}${extra.toFixed(0)}`, 8)}`);
    }
    if (cpu.predictedRatio !== null) lines.push(`  ratio the CPU predicts (bare total / nself-jobs total): ${r2(cpu.predictedRatio)}`);
  }
  if (!info.postgresCpuMeasured) lines.push('  (PostgreSQL is not on this machine: its CPU is not measured, and counts as other load)');
  const busiest = Math.max(...results.map((r) => roundOtherLoad(r, info.cpus)));
  if (busiest > 0.1) {
    lines.push('');
    lines.push(`warning: other processes used up to ${Math.round(busiest * 100)}% of the machine during a round; the rates are low and the ratios noisy`);
  }
  lines.push('');
  const predicted = cpuPerJob(results, 'process').predictedRatio;
  if (predicted !== null) lines.push(`processing ratio the CPU per job predicts (bare/runtime CPU, median of ${results.length}): ${r2(predicted)}`);
  lines.push(`enqueue ratio (runtime/bare, median of ${results.length}): ${r2(enqueue)}`);
  lines.push(`processing ratio (runtime/bare, median of ${results.length}): ${r2(processing)}`);
  return lines.join('\n');
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function roundDeep<T>(value: T): T {
  if (typeof value === 'number') return round(value, 6) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDeep(v)])) as T;
  }
  return value;
}
