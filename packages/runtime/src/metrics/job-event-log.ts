import type { Job, Worker } from 'bullmq';
import type { Logger } from '../logger.js';
import { attemptOutcome } from './attempt-outcome.js';

/**
 * One structured log line per attempt outcome, each with jobId, type, queue and attempt:
 * failures at warn (retrying) or error (failed for good), cancellations at info,
 * completions at debug (LOG_LEVEL=debug shows them; they are too many for info).
 */
export function logJobEvents(worker: Worker, log: Logger): void {
  const fields = (job: Job) => ({ jobId: job.id, type: job.name, queue: job.queueName, attempt: job.attemptsMade, maxAttempts: job.opts.attempts ?? 1 });
  worker.on('completed', (job: Job) => {
    if (!log.isLevelEnabled('debug')) return;
    log.debug({ ...fields(job), durationMs: job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : null }, 'job completed');
  });
  worker.on('failed', (job: Job | undefined, error: Error) => {
    if (!job) {
      log.error({ err: error, queue: worker.name }, 'job failed (no job data)');
      return;
    }
    const outcome = attemptOutcome(job, error);
    const code = (error as { code?: unknown }).code;
    if (outcome === 'cancelled') log.info(fields(job), 'job cancelled while running');
    else if (outcome === 'retrying') log.warn({ ...fields(job), err: error, code, retryInMs: job.delay || undefined }, 'job attempt failed; retrying');
    else log.error({ ...fields(job), err: error, code }, 'job failed; no attempt left (dead letter: `jobs retry` runs it again)');
  });
}
