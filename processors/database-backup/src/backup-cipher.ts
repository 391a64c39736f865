import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * NSJB1: the streaming encrypted-backup format (documented in README.md, "Encryption format").
 *
 *   header (50 bytes)
 *     0   5  magic "NSJB1" (ASCII)
 *     5   1  format version, 1
 *     6   4  chunk size C: plaintext bytes per chunk, uint32 big-endian (65536)
 *    10  16  salt, random per file
 *    26   8  nonce prefix, random per file
 *    34  16  key check: bytes 32..47 of HKDF (below)
 *   then chunks, each AES-256-GCM ciphertext followed by its 16-byte tag
 *     every chunk but the last holds exactly C plaintext bytes, the last 0..C
 *
 *   HKDF-SHA256(key = JOBS_BACKUP_ENCRYPTION_KEY, salt, info = "nself-jobs backup NSJB1", 48 bytes):
 *     bytes 0..31 the AES-256 key of this file, bytes 32..47 the key check
 *   nonce of chunk i (i = 0, 1, ...): nonce prefix (8 bytes) || i as uint32 big-endian
 *   additional data of chunk i: the 50 header bytes || 0x01 for the last chunk, 0x00 otherwise
 *
 * Each chunk is authenticated before its plaintext is released, so memory stays at one chunk.
 * The header is authenticated by every chunk; reordering, dropping or duplicating chunks breaks
 * the nonce sequence; truncation at a chunk boundary leaves a last chunk sealed as "not last";
 * appended bytes make the real last chunk a middle one. All of these fail authentication.
 */
export const MAGIC = Buffer.from('NSJB1', 'ascii');
export const FORMAT_VERSION = 1;
export const HEADER_LENGTH = 50;
export const TAG_LENGTH = 16;
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
/** A header may not make the reader buffer more than this per chunk. */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
const HKDF_INFO = Buffer.from('nself-jobs backup NSJB1', 'ascii');
const MAX_CHUNKS = 2 ** 32;

export const BACKUP_DECRYPT_FAILED_CODE = 'BACKUP_DECRYPT_FAILED';
export type DecryptFailure = 'not-encrypted' | 'unsupported' | 'wrong-key' | 'truncated' | 'tampered';

export class BackupDecryptError extends Error {
  readonly code = BACKUP_DECRYPT_FAILED_CODE;
  constructor(readonly reason: DecryptFailure, message: string) {
    super(message);
    this.name = 'BackupDecryptError';
  }
}

function deriveKeys(masterKey: Buffer, salt: Buffer): { fileKey: Buffer; keyCheck: Buffer } {
  if (masterKey.length !== 32) throw new RangeError('the backup encryption key must be 32 bytes');
  const okm = Buffer.from(crypto.hkdfSync('sha256', masterKey, salt, HKDF_INFO, 48));
  return { fileKey: okm.subarray(0, 32), keyCheck: okm.subarray(32, 48) };
}

function nonce(prefix: Buffer, index: number): Buffer {
  const out = Buffer.alloc(12);
  prefix.copy(out, 0, 0, 8);
  out.writeUInt32BE(index, 8);
  return out;
}

function aad(header: Buffer, last: boolean): Buffer {
  return Buffer.concat([header, Buffer.from([last ? 1 : 0])]);
}

/** A FIFO of buffers that hands out exact byte counts without copying more than it must. */
class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  take(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.length -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0]!;
      const used = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, used);
      filled += used;
      if (used === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(used);
    }
    this.length -= n;
    return out;
  }
}

/** Encrypts a stream into NSJB1. `chunkSize` is for tests; files use the 64 KiB default. */
export function createEncryptStream(masterKey: Buffer, chunkSize = DEFAULT_CHUNK_SIZE): Transform {
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) throw new RangeError(`invalid chunk size ${chunkSize}`);
  const salt = crypto.randomBytes(16);
  const prefix = crypto.randomBytes(8);
  const { fileKey, keyCheck } = deriveKeys(masterKey, salt);
  const header = Buffer.alloc(HEADER_LENGTH);
  MAGIC.copy(header, 0);
  header.writeUInt8(FORMAT_VERSION, 5);
  header.writeUInt32BE(chunkSize, 6);
  salt.copy(header, 10);
  prefix.copy(header, 26);
  keyCheck.copy(header, 34);

  const pending = new ByteQueue();
  const aads = { middle: aad(header, false), last: aad(header, true) };
  let index = 0;
  let headerSent = false;

  const seal = (stream: Transform, plaintext: Buffer, last: boolean) => {
    if (index >= MAX_CHUNKS) throw new RangeError('backup too large for one NSJB1 file (2^32 chunks)');
    const cipher = crypto.createCipheriv('aes-256-gcm', fileKey, nonce(prefix, index), { authTagLength: TAG_LENGTH });
    cipher.setAAD(last ? aads.last : aads.middle);
    // Pushed separately rather than concatenated: one 64 KiB copy less per chunk.
    stream.push(cipher.update(plaintext));
    const final = cipher.final();
    if (final.length > 0) stream.push(final);
    stream.push(cipher.getAuthTag());
    index++;
  };
  const sendHeader = (stream: Transform) => {
    if (!headerSent) stream.push(header);
    headerSent = true;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        sendHeader(this);
        pending.push(chunk);
        // Strictly more than a chunk: the last full chunk waits until we know whether it is the last.
        while (pending.length > chunkSize) seal(this, pending.take(chunkSize), false);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        sendHeader(this);
        seal(this, pending.take(pending.length), true);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

/**
 * Decrypts NSJB1, releasing each chunk only once it authenticated. Fails with BackupDecryptError
 * (`reason` says which) on anything but an intact file sealed with this key; the plaintext already
 * released is then incomplete and must be thrown away (decryptBackup does that for files).
 */
export function createDecryptStream(masterKey: Buffer): Transform {
  const pending = new ByteQueue();
  let header: Buffer | undefined;
  let fileKey: Buffer | undefined;
  let prefix: Buffer | undefined;
  let chunkSize = 0;
  let index = 0;

  const readHeader = () => {
    const head = pending.take(HEADER_LENGTH);
    if (!head.subarray(0, 5).equals(MAGIC)) {
      throw new BackupDecryptError('not-encrypted', 'not an nself-jobs encrypted backup (no NSJB1 header)');
    }
    const version = head.readUInt8(5);
    if (version !== FORMAT_VERSION) {
      throw new BackupDecryptError('unsupported', `unsupported NSJB1 format version ${version} (this version reads ${FORMAT_VERSION})`);
    }
    chunkSize = head.readUInt32BE(6);
    if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
      throw new BackupDecryptError('tampered', `invalid chunk size ${chunkSize} in the header: the file is damaged`);
    }
    const keys = deriveKeys(masterKey, head.subarray(10, 26));
    if (!crypto.timingSafeEqual(keys.keyCheck, head.subarray(34, 50))) {
      throw new BackupDecryptError(
        'wrong-key',
        'the key does not match this backup (JOBS_BACKUP_ENCRYPTION_KEY is not the key it was encrypted with, or the header is damaged)',
      );
    }
    header = Buffer.from(head);
    fileKey = keys.fileKey;
    prefix = head.subarray(26, 34);
  };

  let aads: { middle: Buffer; last: Buffer } | undefined;
  const open = (sealed: Buffer, last: boolean): Buffer | undefined => {
    aads ??= { middle: aad(header!, false), last: aad(header!, true) };
    const decipher = crypto.createDecipheriv('aes-256-gcm', fileKey!, nonce(prefix!, index), { authTagLength: TAG_LENGTH });
    decipher.setAAD(last ? aads.last : aads.middle);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
    const body = decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH));
    try {
      const final = decipher.final();
      return final.length > 0 ? Buffer.concat([body, final]) : body;
    } catch {
      return undefined;
    }
  };

  const openMiddle = (stream: Transform) => {
    const plain = open(pending.take(chunkSize + TAG_LENGTH), false);
    if (!plain) throw tampered(index);
    stream.push(plain);
    index++;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        pending.push(chunk);
        if (!header && pending.length >= HEADER_LENGTH) readHeader();
        if (header) while (pending.length > chunkSize + TAG_LENGTH) openMiddle(this);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (!header) {
          const head = pending.take(pending.length);
          const n = Math.min(head.length, MAGIC.length);
          if (!head.subarray(0, n).equals(MAGIC.subarray(0, n))) {
            throw new BackupDecryptError('not-encrypted', 'not an nself-jobs encrypted backup (no NSJB1 header)');
          }
          throw new BackupDecryptError('truncated', head.length === 0 ? 'the file is empty' : 'the file is truncated: it ends inside the NSJB1 header');
        }
        if (pending.length < TAG_LENGTH) {
          throw new BackupDecryptError('truncated', `the file is truncated: it ends inside chunk ${index}, before the last chunk`);
        }
        const sealed = pending.take(pending.length);
        const plain = open(sealed, true);
        if (!plain) {
          // A chunk that opens as a middle one means the real last chunk was cut off.
          if (sealed.length === chunkSize + TAG_LENGTH && open(sealed, false)) {
            throw new BackupDecryptError('truncated', `the file is truncated: it ends after chunk ${index}, which is not the last chunk`);
          }
          throw tampered(index);
        }
        this.push(plain);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

function tampered(index: number): BackupDecryptError {
  return new BackupDecryptError('tampered', `chunk ${index} failed authentication: the file was modified or truncated`);
}
