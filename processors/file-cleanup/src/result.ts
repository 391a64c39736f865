import type { CleanupTarget } from './payload.js';
import type { RecordCleanup } from './record-cleanup.js';

/** What a successful job returns (stored as the job's result): the real counts removed. */
export interface FileCleanupResult {
  target: CleanupTarget;
  /** Jobs that finished more than this many milliseconds ago were removed. */
  olderThanMs: number;
  /** Rows deleted from the record's `jobs` table (their results and failures went with them). */
  record: RecordCleanup;
  /** Jobs removed from each queue of the backend, by queue name. */
  backend: Record<string, number>;
}
