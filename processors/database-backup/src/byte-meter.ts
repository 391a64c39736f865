import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export interface ByteMeter {
  readonly stream: Transform;
  bytes(): number;
  /** Hex SHA-256 of everything that went through; call once the stream finished. */
  sha256(): string;
}

/**
 * The last stage before the destination: counts and hashes the bytes that are stored, and calls
 * `onProgress` at most every `intervalMs` (progress goes to the job record; once a second is plenty).
 */
export function createByteMeter(onProgress: (bytes: number) => void, intervalMs = 1000): ByteMeter {
  const hash = crypto.createHash('sha256');
  let count = 0;
  let lastReport = Date.now();
  let digest: string | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk);
      count += chunk.length;
      const now = Date.now();
      if (now - lastReport >= intervalMs) {
        lastReport = now;
        onProgress(count);
      }
      callback(null, chunk);
    },
  });
  return {
    stream,
    bytes: () => count,
    sha256: () => (digest ??= hash.digest('hex')),
  };
}
