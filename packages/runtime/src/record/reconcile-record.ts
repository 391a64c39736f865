import type { Job, Queue } from 'bullmq';
import type pg from 'pg';
import { wrapJobData } from '../job-envelope.js';
import type { Logger } from '../logger.js';
import { backendJobOptions } from '../backend/backend-job-options.js';
import type { RuntimeConfig } from '../config/index.js';
import type { PriorityName } from '@nself-jobs/sdk';
import type { JobRecorder } from './job-recorder.js';
import { snapshotFromJob, type JobSnapshot } from './job-snapshot.js';
import { recordIdOf } from './record-id.js';

export interface ReconcileDeps {
  pool: pg.Pool;
  quotedSchema: string;
  recorder: JobRecorder;
  queue(name: string): Queue;
  log: Logger;
  config: Pick<RuntimeConfig, 'cleanCompletedAfter' | 'cleanFailedAfter' | 'retryDelay'>;
}

export interface ReconcileReport {
  /** Record rows rebuilt or corrected from what the backend knows. */
  rebuilt: number;
  /** Jobs recorded but missing from the backend, queued again from the record. */
  requeued: number;
}

const SCAN_LIMIT = 5000;

/**
 * Brings the record back in step with the backend after a crash:
 * - a finished job whose final state never reached the record (the recorder's
 *   buffer died with its process) is rebuilt from the backend, which keeps finished
 *   jobs for JOBS_CLEAN_*_AFTER;
 * - a job recorded as waiting/delayed that the backend never received (the process
 *   died between the two writes) is queued again with the same id and payload.
 */
export async function reconcileRecord(deps: ReconcileDeps, queues: string[], orphanAgeMs = 60000): Promise<ReconcileReport> {
  let rebuilt = 0;
  let requeued = 0;
  for (const name of queues) {
    const queue = deps.queue(name);
    // Only final states: writing a live state here could race a newer event of the
    // same job and move its row backwards. Live jobs get their row when they run.
    for (const state of ['completed', 'failed'] as const) {
      const jobs = (await queue.getJobs([state], 0, SCAN_LIMIT - 1)).filter((j): j is Job => Boolean(j));
      rebuilt += await rebuildMissing(deps, jobs, state);
    }
    requeued += await requeueOrphans(deps, queue, orphanAgeMs);
  }
  await deps.recorder.flush(true);
  if (rebuilt || requeued) deps.log.info({ rebuilt, requeued, queues }, 'record reconciled with the backend');
  return { rebuilt, requeued };
}

async function rebuildMissing(deps: ReconcileDeps, jobs: Job[], state: 'completed' | 'failed'): Promise<number> {
  if (jobs.length === 0) return 0;
  const ids = jobs.map((j) => recordIdOf(j.queueName, String(j.id), j.timestamp));
  const { rows } = await deps.pool.query<{ id: string; status: string }>(
    `SELECT id, status FROM ${deps.quotedSchema}.jobs WHERE id = ANY($1::uuid[])`, [ids]);
  const recorded = new Map(rows.map((r) => [r.id, r.status]));
  let count = 0;
  jobs.forEach((job, i) => {
    const snapshot = snapshotFor(job, state);
    const status = recorded.get(ids[i]);
    const stale = status !== state;
    if (!stale) return;
    deps.recorder.record(snapshot);
    count += 1;
  });
  return count;
}

function snapshotFor(job: Job, state: 'completed' | 'failed'): JobSnapshot {
  const finishedAt = job.finishedOn ? new Date(job.finishedOn).toISOString() : new Date().toISOString();
  if (state === 'failed') return snapshotFromJob(job, 'failed', { completed_at: finishedAt });
  return snapshotFromJob(job, 'completed', {
    completed_at: finishedAt,
    result: { value: job.returnvalue ?? null, duration_ms: job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : null },
  });
}

async function requeueOrphans(deps: ReconcileDeps, queue: Queue, orphanAgeMs: number): Promise<number> {
  const { rows } = await deps.pool.query<{
    id: string; backend_id: string | null; type: string; payload: unknown; priority: PriorityName;
    max_attempts: number; timeout_ms: number | null; schedule_name: string | null; run_at: Date | null;
  }>(
    `SELECT id, backend_id, type, payload, priority, max_attempts, timeout_ms, schedule_name, run_at
       FROM ${deps.quotedSchema}.jobs
      WHERE queue = $1 AND status IN ('waiting', 'delayed')
        AND created_at < now() - make_interval(secs => $2::double precision / 1000)
        -- Older than the backend's retention, a missing job may have finished and been removed.
        AND created_at > now() - make_interval(secs => $3::double precision / 1000)
      ORDER BY created_at LIMIT ${SCAN_LIMIT}`,
    [queue.name, orphanAgeMs, deps.config.cleanCompletedAfter],
  );
  let count = 0;
  for (const row of rows) {
    const backendId = row.backend_id ?? row.id;
    if (await queue.getJob(backendId)) continue;
    const delay = row.run_at ? Math.max(0, row.run_at.getTime() - Date.now()) : 0;
    await queue.add(
      row.type,
      wrapJobData({ payload: row.payload, priority: row.priority, timeout: row.timeout_ms ?? undefined, scheduleName: row.schedule_name ?? undefined }),
      backendJobOptions({ id: backendId, priority: row.priority, attempts: row.max_attempts, backoff: { type: 'exponential', delay: deps.config.retryDelay }, delay }, deps.config),
    );
    count += 1;
  }
  return count;
}
