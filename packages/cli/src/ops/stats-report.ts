import type { BackendQueueCounts, QueueHistory, Runtime, TypePerformance } from '@nself-jobs/runtime';
import { formatNumber, renderTable } from './table.js';

/** What `jobs stats` shows: counts now from the queue backend, history from the record. */
export interface StatsReport {
  at: string;
  hours: number;
  queue: string | null;
  /** Per queue, what the backend holds right now. */
  queues: Record<string, BackendQueueCounts>;
  /** Per queue, jobs created in the window by their status in the record. */
  history: Record<string, Record<string, number>>;
  /** With --performance: per job type over the window. */
  types?: TypePerformance[];
}

export async function statsReport(runtime: Runtime, options: { hours: number; queue?: string; performance: boolean }): Promise<StatsReport> {
  const window = { hours: options.hours, queue: options.queue };
  const ops = runtime.operations;
  const [queues, history, types] = await Promise.all([
    ops.queueCounts(options.queue),
    ops.queueHistory(window),
    options.performance ? ops.typePerformance(window) : Promise.resolve(undefined),
  ]);
  return { at: new Date().toISOString(), hours: options.hours, queue: options.queue ?? null, queues, history: pivot(history), ...(types ? { types } : {}) };
}

function pivot(rows: QueueHistory[]): Record<string, Record<string, number>> {
  const byQueue: Record<string, Record<string, number>> = {};
  for (const { queue, status, count } of rows) (byQueue[queue] ??= {})[status] = count;
  return byQueue;
}

const HISTORY_STATUSES = ['waiting', 'delayed', 'active', 'completed', 'failed', 'cancelled'];

export function renderStats(report: StatsReport): string {
  const n = (value: number) => String(value);
  const now = renderTable(
    [{ header: 'QUEUE' }, ...['WAITING', 'ACTIVE', 'DELAYED', 'COMPLETED', 'FAILED'].map((header) => ({ header, numeric: true })), { header: 'PAUSED' }],
    Object.entries(report.queues).map(([queue, c]) => [queue, n(c.waiting), n(c.active), n(c.delayed), n(c.completed), n(c.failed), c.paused ? 'yes' : 'no']),
  );
  const historyQueues = Object.keys(report.history).sort();
  const history = historyQueues.length === 0
    ? '(no jobs in this window)'
    : renderTable(
      [{ header: 'QUEUE' }, ...[...HISTORY_STATUSES, 'total'].map((s) => ({ header: s.toUpperCase(), numeric: true }))],
      historyQueues.map((queue) => {
        const counts = report.history[queue];
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        return [queue, ...HISTORY_STATUSES.map((s) => n(counts[s] ?? 0)), n(total)];
      }),
    );
  const sections = [
    `Queues now (from the queue backend)\n${now}`,
    `Jobs created in the last ${report.hours} h (from the record)\n${history}`,
  ];
  if (report.types) sections.push(`Performance by job type, last ${report.hours} h (durations of completed runs)\n${renderPerformance(report.types)}`);
  return sections.join('\n\n');
}

function renderPerformance(types: TypePerformance[]): string {
  if (types.length === 0) return '(no jobs in this window)';
  return renderTable(
    [{ header: 'TYPE' }, ...['COUNT', 'COMPLETED', 'FAILED', 'FAILURE RATE', 'P50 MS', 'P95 MS', 'MAX MS', 'PER MIN'].map((header) => ({ header, numeric: true }))],
    types.map((t) => [
      t.type, String(t.count), String(t.completed), String(t.failed),
      t.failureRate === null ? '-' : `${(t.failureRate * 100).toFixed(1)}%`,
      formatNumber(t.p50DurationMs, 1), formatNumber(t.p95DurationMs, 1), formatNumber(t.maxDurationMs), formatNumber(t.throughputPerMinute, 3),
    ]),
  );
}
