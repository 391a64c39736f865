import type { Logger } from '../logger.js';
import type { ProcessorRegistry } from '../registry/index.js';
import type { ScheduleStore } from './schedule-store.js';
import type { ScheduleInput } from './schedule-types.js';

/** The ledger row (nself_jobs_migrations) that says the defaults were seeded in this schema. */
export const DEFAULT_SCHEDULES_MARKER = { package: '@nself-jobs/runtime:seed', name: 'default-cleanup-schedules' } as const;

export const CLEANUP_TYPE = 'file-cleanup';

/** Nightly cleanup of the record and the backend (UTC), created once when file-cleanup is installed. */
export const DEFAULT_SCHEDULES: readonly ScheduleInput[] = Object.freeze([
  {
    name: 'cleanup-completed', type: CLEANUP_TYPE, cron: '0 3 * * *', payload: { target: 'completed_jobs' },
    description: 'Removes completed jobs older than JOBS_CLEAN_COMPLETED_AFTER (default schedule)',
  },
  {
    name: 'cleanup-failed', type: CLEANUP_TYPE, cron: '30 3 * * *', payload: { target: 'failed_jobs' },
    description: 'Removes failed jobs older than JOBS_CLEAN_FAILED_AFTER (default schedule)',
  },
]);

/**
 * Seeds DEFAULT_SCHEDULES the first time a scheduler starts on a database where file-cleanup is
 * installed, never again (deleting or editing them is final). Without file-cleanup nothing is
 * written, so installing it later still seeds them once. A failure is logged, never fatal.
 */
export async function seedDefaultSchedules(store: ScheduleStore, registry: ProcessorRegistry, log: Logger): Promise<string[]> {
  if (!registry.get(CLEANUP_TYPE)) return [];
  try {
    const created = await store.seedOnce(DEFAULT_SCHEDULES_MARKER, DEFAULT_SCHEDULES.map((s) => ({ ...s })));
    if (created.length > 0) log.info({ schedules: created }, 'default cleanup schedules created');
    return created;
  } catch (error) {
    log.warn({ err: error }, 'default cleanup schedules were not created; they are tried again at the next start');
    return [];
  }
}
