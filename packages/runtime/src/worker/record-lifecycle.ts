import type { Job, Worker } from 'bullmq';
import { attemptOutcome } from '../metrics/attempt-outcome.js';
import type { JobRecorder } from '../record/job-recorder.js';
import { failureFromError, snapshotFromJob } from '../record/job-snapshot.js';
import { recordIdOf } from '../record/record-id.js';
import type { Logger } from '../logger.js';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Feeds a worker's lifecycle events into the record. BullMQ emits `completed` and
 * `failed` after the backend has stored the outcome, so the record never runs ahead
 * of the backend.
 */
export function recordLifecycle(worker: Worker, recorder: JobRecorder, log: Logger): void {
  worker.on('active', (job: Job) => {
    // Built at flush time only if the job is still running then (most finish first).
    recorder.recordActive(recordIdOf(job.queueName, String(job.id), job.timestamp), job);
  });

  worker.on('progress', (job: Job, progress) => {
    recorder.record(snapshotFromJob(job, 'active', { progress }));
  });

  worker.on('completed', (job: Job, result: unknown) => {
    const finishedOn = job.finishedOn ?? Date.now();
    recorder.record(snapshotFromJob(job, 'completed', {
      completed_at: iso(finishedOn),
      result: { value: result ?? null, duration_ms: job.processedOn ? finishedOn - job.processedOn : null },
    }));
  });

  worker.on('failed', (job: Job | undefined, error: Error) => {
    if (!job) return;
    const outcome = attemptOutcome(job, error);
    const now = Date.now();
    if (outcome === 'cancelled') {
      recorder.record(snapshotFromJob(job, 'cancelled', { completed_at: iso(job.finishedOn ?? now), last_error: error.message }));
      // Out of the backend like a cancelled waiting job, so that a reconcile cannot turn it back into `failed`.
      job.remove().catch((removeError) => log.warn({ err: removeError, jobId: job.id }, 'could not remove a cancelled job from its queue'));
      return;
    }
    const final = outcome === 'failed';
    recorder.recordFailure(failureFromError(recordIdOf(job.queueName, String(job.id), job.timestamp), job.attemptsMade, error));
    recorder.record(snapshotFromJob(job, final ? 'failed' : job.delay > 0 ? 'delayed' : 'waiting', {
      completed_at: final ? iso(job.finishedOn ?? now) : null,
      run_at: !final && job.delay > 0 ? iso(now + job.delay) : null,
      last_error: error.message,
    }));
  });

  worker.on('error', (error) => log.error({ err: error, queue: worker.name }, 'worker error'));
}
