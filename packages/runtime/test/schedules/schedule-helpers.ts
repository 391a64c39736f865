import { expect } from 'chai';
import type pg from 'pg';

export interface ScheduledJob {
  id: string;
  idempotency_key: string | null;
  status: string;
}

/** The jobs a schedule created, by occurrence (the time in their idempotency key), oldest first. */
export async function scheduledJobs(pool: pg.Pool, name: string): Promise<ScheduledJob[]> {
  const { rows } = await pool.query<ScheduledJob>(
    'SELECT id, idempotency_key, status FROM jobs WHERE schedule_name = $1 ORDER BY idempotency_key', [name]);
  return rows;
}

export function occurrenceOf(job: ScheduledJob): number {
  const match = /^schedule:[^:]+:(.+)$/.exec(job.idempotency_key ?? '');
  if (!match) throw new Error(`not an occurrence key: ${job.idempotency_key}`);
  return Date.parse(match[1]);
}

/**
 * Every job is a distinct occurrence, and the occurrences are exactly every `stepMs` from the
 * first to the last (nothing missing, nothing twice). Returns the occurrence times.
 */
export function expectEveryOccurrenceOnce(jobs: ScheduledJob[], stepMs: number): number[] {
  const times = jobs.map(occurrenceOf).sort((a, b) => a - b);
  expect(new Set(times).size, 'one job per occurrence').to.equal(times.length);
  for (let i = 1; i < times.length; i += 1) {
    expect(times[i] - times[i - 1], `gap after ${new Date(times[i - 1]).toISOString()}`).to.equal(stepMs);
  }
  return times;
}

/** Jobs in the backend queue (every state): must match the record, or a job was queued twice. */
export async function backendJobCount(queue: { getJobCounts(): Promise<Record<string, number>> }): Promise<number> {
  return Object.values(await queue.getJobCounts()).reduce((sum, n) => sum + n, 0);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
