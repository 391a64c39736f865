import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream } from './backup-cipher.js';
import { parseEncryptionKey } from './encryption-key.js';

export interface DecryptBackupOptions {
  /** Replace an existing output file (default: refuse). */
  overwrite?: boolean;
  signal?: AbortSignal;
}

export interface DecryptBackupResult {
  /** Plaintext bytes written (the gzip or dump file inside the encrypted one). */
  bytes: number;
  /** The output file, when `output` was a path. */
  output?: string;
}

export const OUTPUT_EXISTS_CODE = 'BACKUP_OUTPUT_EXISTS';

/**
 * Decrypts an NSJB1 backup (see backup-cipher.ts / README). `input` is a path or a stream,
 * `output` a path or a stream, `key` the 32-byte key or its hex / base64 text.
 *
 * To a path, the plaintext goes to a `.partial` file next to it that becomes `output` only once
 * the whole file authenticated: a tampered, truncated or wrong-key backup fails with a
 * BackupDecryptError (`code` BACKUP_DECRYPT_FAILED, `reason` saying which) and leaves no output.
 * To a stream, authenticated chunks are written as they come, so on failure the consumer must
 * throw away what it got.
 */
export async function decryptBackup(
  input: string | Readable,
  output: string | Writable,
  key: Buffer | string,
  options: DecryptBackupOptions = {},
): Promise<DecryptBackupResult> {
  const masterKey = typeof key === 'string' ? parseEncryptionKey(key) : key;
  if (masterKey.length !== 32) throw new RangeError('the backup encryption key must be 32 bytes');
  const source = typeof input === 'string' ? fs.createReadStream(input) : input;
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(null, chunk);
    },
  });

  if (typeof output !== 'string') {
    await pipeline([source, createDecryptStream(masterKey), counter, output], { signal: options.signal });
    return { bytes };
  }

  const target = path.resolve(output);
  if (typeof input === 'string' && path.resolve(input) === target) {
    throw Object.assign(new Error('the output file must not be the encrypted file itself'), { code: OUTPUT_EXISTS_CODE });
  }
  if (!options.overwrite && fs.existsSync(target)) {
    throw Object.assign(new Error(`${target} already exists (use --force / overwrite to replace it)`), { code: OUTPUT_EXISTS_CODE });
  }
  const partial = `${target}.${crypto.randomBytes(4).toString('hex')}.partial`;
  const sink = fs.createWriteStream(partial, { flags: 'wx', mode: 0o600, flush: true });
  try {
    await pipeline([source, createDecryptStream(masterKey), counter, sink], { signal: options.signal });
    if (options.overwrite) {
      await fs.promises.rename(partial, target);
    } else {
      // link() fails if the name appeared meanwhile, where rename() would silently replace it.
      await fs.promises.link(partial, target).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'EEXIST'
          ? Object.assign(new Error(`${target} already exists (use --force / overwrite to replace it)`), { code: OUTPUT_EXISTS_CODE })
          : error;
      });
      await fs.promises.rm(partial, { force: true });
    }
    return { bytes, output: target };
  } catch (error) {
    sink.destroy();
    await new Promise<void>((resolve) => (sink.closed ? resolve() : sink.once('close', () => resolve())));
    await fs.promises.rm(partial, { force: true }).catch(() => {});
    throw error;
  }
}
