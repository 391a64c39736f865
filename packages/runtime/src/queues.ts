import type { PriorityName } from '@nself-jobs/sdk';

/** Queues that exist from the start; a processor's manifest may name others. */
export const DEFAULT_QUEUES = ['default', 'high-priority', 'low-priority'] as const;

export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * BullMQ runs lower numbers first, treats 0 as "no priority" (run before every
 * prioritised job) and refuses negatives and fractions: so every job gets one of
 * these explicit positive values.
 */
export const PRIORITY_VALUES: Readonly<Record<PriorityName, number>> = Object.freeze({
  critical: 1,
  high: 2,
  normal: 3,
  low: 4,
});

/** The name for a BullMQ priority number, for jobs added to BullMQ directly. */
export function priorityName(value: number | undefined): PriorityName {
  if (!value || value >= PRIORITY_VALUES.low) return value ? 'low' : 'normal';
  if (value <= PRIORITY_VALUES.critical) return 'critical';
  return value <= PRIORITY_VALUES.high ? 'high' : 'normal';
}
