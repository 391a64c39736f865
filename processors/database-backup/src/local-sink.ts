import crypto from 'node:crypto';
import fs from 'node:fs';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import type { BackupSink } from './backup-sink.js';

/**
 * Writes `<final>.<random>.partial` next to the final file (same directory, so the rename is
 * atomic), mode 0600, fsync'd before it is renamed to the final name. A failed or aborted backup
 * removes the partial file, so the final name only ever holds a complete backup.
 */
export function openLocalSink(finalPath: string): BackupSink {
  const partial = `${finalPath}.${crypto.randomBytes(4).toString('hex')}.partial`;
  // flags 'wx': never reuse or follow anything already there; flush: fsync before close.
  const writable = fs.createWriteStream(partial, { flags: 'wx', mode: 0o600, flush: true });
  const stored = finished(writable);
  stored.catch(() => {});
  let discarded = false;
  return {
    writable,
    stored,
    async commit() {
      await stored;
      await fs.promises.rename(partial, finalPath);
      await syncDirectory(path.dirname(finalPath));
      return finalPath;
    },
    async discard() {
      if (discarded) return;
      discarded = true;
      writable.destroy();
      await new Promise<void>((resolve) => (writable.closed ? resolve() : writable.once('close', () => resolve())));
      await fs.promises.rm(partial, { force: true }).catch(() => {});
    },
  };
}

/** Makes the rename itself durable; best effort (not every file system supports it). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch {
    // ignore
  } finally {
    await handle?.close().catch(() => {});
  }
}
