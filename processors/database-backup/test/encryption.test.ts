import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  BackupDecryptError, createDecryptStream, createEncryptStream, HEADER_LENGTH, TAG_LENGTH,
} from '../src/backup-cipher.js';
import { decryptBackup } from '../src/decrypt.js';
import { parseEncryptionKey } from '../src/encryption-key.js';
import { rejection } from './job-context.js';

const KEY = crypto.randomBytes(32);

async function collect(stream: NodeJS.ReadableStream & { pipe: Readable['pipe'] }, transform: NodeJS.ReadWriteStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => chunks.push(c));
  await pipeline(stream as Readable, transform, sink);
  return Buffer.concat(chunks);
}

/** Feeds `data` in uneven pieces, as a pipe would. */
function pieces(data: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let i = 0, n = 1; i < data.length; i += n, n = (n * 7 + 3) % 5000 + 1) parts.push(data.subarray(i, i + n));
  return Readable.from(parts);
}

const encrypt = (data: Buffer, chunkSize = 1024, key = KEY) => collect(pieces(data), createEncryptStream(key, chunkSize));
const decrypt = (data: Buffer, key = KEY) => collect(pieces(data), createDecryptStream(key));

async function decryptError(data: Buffer, key = KEY): Promise<BackupDecryptError> {
  const error = await rejection(decrypt(data, key));
  expect(error).to.be.instanceOf(BackupDecryptError);
  return error as unknown as BackupDecryptError;
}

describe('NSJB1 encryption', () => {
  it('round-trips empty, small, exact-multiple and multi-chunk data', async () => {
    for (const size of [0, 1, 1023, 1024, 1025, 4096, 10_000]) {
      const data = crypto.randomBytes(size);
      const sealed = await encrypt(data);
      const chunks = Math.floor(size / 1024) + (size % 1024 === 0 && size > 0 ? 0 : 1);
      expect(sealed.length, `size ${size}`).to.equal(HEADER_LENGTH + size + Math.max(chunks, 1) * TAG_LENGTH);
      expect(sealed.subarray(0, 5).toString()).to.equal('NSJB1');
      expect((await decrypt(sealed)).equals(data), `size ${size}`).to.equal(true);
    }
  });

  it('uses a fresh salt and nonce prefix per file', async () => {
    const data = Buffer.from('same plaintext');
    const [a, b] = [await encrypt(data), await encrypt(data)];
    expect(a.subarray(10, 34).equals(b.subarray(10, 34))).to.equal(false);
    expect(a.subarray(HEADER_LENGTH).equals(b.subarray(HEADER_LENGTH))).to.equal(false);
  });

  it('refuses any flipped byte: header, ciphertext, tag', async () => {
    const sealed = await encrypt(crypto.randomBytes(5000));
    for (const offset of [6, 12, 30, 40, HEADER_LENGTH, HEADER_LENGTH + 1500, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[offset] = bad[offset]! ^ 0x01;
      const error = await decryptError(bad);
      expect(['tampered', 'wrong-key'], `offset ${offset}: ${error.message}`).to.include(error.reason);
    }
  });

  it('detects truncation at a chunk boundary, inside a chunk and inside the header', async () => {
    const sealed = await encrypt(crypto.randomBytes(3000));
    const boundary = await decryptError(sealed.subarray(0, HEADER_LENGTH + 2 * (1024 + TAG_LENGTH)));
    expect(boundary.reason).to.equal('truncated');
    expect(boundary.message).to.match(/truncated/);
    expect((await decryptError(sealed.subarray(0, sealed.length - 100))).reason).to.equal('tampered');
    expect((await decryptError(sealed.subarray(0, HEADER_LENGTH + 5))).reason).to.equal('truncated');
    expect((await decryptError(sealed.subarray(0, 20))).reason).to.equal('truncated');
    expect((await decryptError(Buffer.alloc(0))).reason).to.equal('truncated');
  });

  it('refuses appended bytes, swapped chunks, a wrong key and a file that is not NSJB1', async () => {
    const sealed = await encrypt(crypto.randomBytes(3000));
    expect((await decryptError(Buffer.concat([sealed, sealed.subarray(HEADER_LENGTH, HEADER_LENGTH + 1040)]))).reason).to.equal('tampered');
    const c = 1024 + TAG_LENGTH;
    const swapped = Buffer.concat([sealed.subarray(0, HEADER_LENGTH), sealed.subarray(HEADER_LENGTH + c, HEADER_LENGTH + 2 * c),
      sealed.subarray(HEADER_LENGTH, HEADER_LENGTH + c), sealed.subarray(HEADER_LENGTH + 2 * c)]);
    expect((await decryptError(swapped)).reason).to.equal('tampered');
    const wrong = await decryptError(sealed, crypto.randomBytes(32));
    expect(wrong.reason).to.equal('wrong-key');
    expect(wrong.message).to.match(/key does not match/);
    expect((await decryptError(Buffer.from('PGDMP' + 'x'.repeat(100)))).reason).to.equal('not-encrypted');
  });

  it('parses 64-hex and base64 keys and refuses anything else without echoing it', () => {
    const key = crypto.randomBytes(32);
    expect(parseEncryptionKey(key.toString('hex')).equals(key)).to.equal(true);
    expect(parseEncryptionKey(key.toString('hex').toUpperCase()).equals(key)).to.equal(true);
    expect(parseEncryptionKey(key.toString('base64')).equals(key)).to.equal(true);
    expect(parseEncryptionKey(key.toString('base64url')).equals(key)).to.equal(true);
    for (const bad of ['secret-passphrase', key.toString('hex').slice(2), crypto.randomBytes(16).toString('base64'), `${key.toString('base64')}!`]) {
      expect(() => parseEncryptionKey(bad), bad).to.throw(/JOBS_BACKUP_ENCRYPTION_KEY must be a 32-byte key/);
      try {
        parseEncryptionKey(bad);
      } catch (error) {
        expect((error as Error).message).to.not.include(bad);
      }
    }
  });

  describe('decryptBackup (files)', () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsjb-')); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('decrypts to a file, key given as hex, and refuses to overwrite unless asked', async () => {
      const data = crypto.randomBytes(200_000);
      fs.writeFileSync(path.join(dir, 'b.enc'), await collect(Readable.from([data]), createEncryptStream(KEY)));
      const out = path.join(dir, 'b');
      const result = await decryptBackup(path.join(dir, 'b.enc'), out, KEY.toString('hex'));
      expect(result).to.deep.equal({ bytes: data.length, output: out });
      expect(fs.readFileSync(out).equals(data)).to.equal(true);
      expect((fs.statSync(out).mode & 0o777).toString(8)).to.equal('600');
      expect((await rejection(decryptBackup(path.join(dir, 'b.enc'), out, KEY))).message).to.match(/already exists/);
      await decryptBackup(path.join(dir, 'b.enc'), out, KEY, { overwrite: true });
      expect(fs.readdirSync(dir).sort()).to.deep.equal(['b', 'b.enc']);
    });

    it('leaves no output file (and no partial) for a tampered or truncated file', async () => {
      const sealed = await collect(Readable.from([crypto.randomBytes(300_000)]), createEncryptStream(KEY));
      const tampered = Buffer.from(sealed);
      tampered[200_000] = tampered[200_000]! ^ 0x80;
      fs.writeFileSync(path.join(dir, 'tampered.enc'), tampered);
      fs.writeFileSync(path.join(dir, 'truncated.enc'), sealed.subarray(0, HEADER_LENGTH + 3 * (65536 + TAG_LENGTH)));
      const t1 = await rejection(decryptBackup(path.join(dir, 'tampered.enc'), path.join(dir, 'tampered'), KEY));
      expect(t1.message).to.match(/chunk 3 failed authentication/);
      const t2 = await rejection(decryptBackup(path.join(dir, 'truncated.enc'), path.join(dir, 'truncated'), KEY));
      expect(t2.reason).to.equal('truncated');
      expect(fs.readdirSync(dir).sort()).to.deep.equal(['tampered.enc', 'truncated.enc']);
    });
  });
});
