import type { Queue } from 'bullmq';
import { backendQueueCounts, type BackendQueueCounts } from '../operations/queue-counts.js';

export interface QueueSnapshot {
  up: boolean;
  counts: Record<string, BackendQueueCounts>;
}

/**
 * The backend's counts for every queue, read once per scrape however many gauges need them:
 * concurrent callers within `maxAgeMs` share one read.
 */
export class QueueSnapshotCache {
  private last: { at: number; value: Promise<QueueSnapshot> } | undefined;

  constructor(
    private readonly queueNames: () => string[],
    private readonly queue: (name: string) => Queue,
    private readonly timeoutMs = 2000,
    private readonly maxAgeMs = 1000,
  ) {}

  get(): Promise<QueueSnapshot> {
    if (this.last && Date.now() - this.last.at < this.maxAgeMs) return this.last.value;
    return this.refresh();
  }

  /** A new read now: each scrape starts with one, and its gauges share it. */
  refresh(): Promise<QueueSnapshot> {
    const value = this.read();
    this.last = { at: Date.now(), value };
    return value;
  }

  private async read(): Promise<QueueSnapshot> {
    const names = this.queueNames();
    try {
      const counts = await Promise.all(names.map((name) => backendQueueCounts(this.queue(name), this.timeoutMs)));
      return { up: true, counts: Object.fromEntries(names.map((name, i) => [name, counts[i]])) };
    } catch {
      return { up: false, counts: {} };
    }
  }
}
