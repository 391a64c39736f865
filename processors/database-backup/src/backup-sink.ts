import type { Writable } from 'node:stream';

/**
 * Where the stored bytes go. The orchestration writes into `writable` and then either commits
 * (the backup becomes visible under its final name) or discards (nothing is left behind).
 */
export interface BackupSink {
  readonly writable: Writable;
  /** Settles when the store has taken every byte (an upload may fail on its own, before the end). */
  readonly stored: Promise<void>;
  /** Makes the backup visible and returns its final location (path or URL). */
  commit(): Promise<string>;
  /** Removes whatever was written; never throws. */
  discard(): Promise<void>;
}
