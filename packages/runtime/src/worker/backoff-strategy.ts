import type { MinimalJob } from 'bullmq';
import { isRetryLaterError } from '@nself-jobs/sdk';

/**
 * BullMQ asks this for backoff types it does not know: ours are `nself-exponential`
 * and `nself-fixed`, so that a processor's "retry after N ms" wins over the curve.
 */
export function backoffStrategy(fallbackDelayMs: number) {
  return (attemptsMade: number, type?: string, error?: Error, job?: MinimalJob): number => {
    const retryAfterMs = isRetryLaterError(error) ? error.retryAfterMs : undefined;
    if (typeof retryAfterMs === 'number' && retryAfterMs >= 0) return retryAfterMs;
    const delay = job?.opts.backoff && typeof job.opts.backoff === 'object' ? job.opts.backoff.delay ?? fallbackDelayMs : fallbackDelayMs;
    if (type === 'nself-fixed') return delay;
    return Math.round(delay * 2 ** Math.max(0, attemptsMade - 1));
  };
}
