import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { Transform, Writable, Readable } from 'node:stream';
import type { JobContext } from '@nself-jobs/sdk';
import { createEncryptStream } from './backup-cipher.js';
import { backupFileName } from './backup-name.js';
import { openBackupTarget, type BackupTarget } from './backup-target.js';
import { createByteMeter } from './byte-meter.js';
import { describeConnection } from './connection.js';
import { parseDestination } from './destination.js';
import { resolvePayload, type BackupCompression, type BackupFormat, type DatabaseBackupPayload } from './payload.js';
import { pgDumpCommand } from './pg-dump-command.js';
import { startPgDump } from './pg-dump-process.js';
import type { BackupSettings } from './settings.js';

/** What a successful job returns (stored as the job's result). */
export interface DatabaseBackupResult {
  /** Final file path, or the object's URL (s3://bucket/key, minio://bucket/key, http(s)://host/bucket/key). */
  destination: string;
  /** Size of the stored backup, after compression and encryption. */
  bytes: number;
  durationMs: number;
  /** Hex SHA-256 of the stored bytes (check with `sha256sum <file>`). */
  sha256: string;
  format: BackupFormat;
  compression: BackupCompression;
  encrypted: boolean;
  database: string;
}

export const BACKUP_ABORTED_CODE = 'BACKUP_ABORTED';

/**
 * One attempt of one database-backup job:
 *
 *   pg_dump stdout -> exit gate -> gzip -> NSJB1 encryption -> byte meter -> file / upload
 *
 * all in one stream.pipeline, so backpressure keeps memory flat whatever the size. Any failure
 * (pg_dump, a stage, the store, context.signal) stops pg_dump and discards what was written.
 */
export async function performBackup(context: JobContext<DatabaseBackupPayload>, settings: BackupSettings): Promise<DatabaseBackupResult> {
  const payload = resolvePayload(context.payload);
  const connection = settings.connection();
  const database = payload.database ?? connection.database;
  const key = payload.encryption ? settings.encryptionKey() : undefined;
  const command = pgDumpCommand({
    binary: settings.pgDump(), connection, database, format: payload.format, tables: payload.tables, baseEnv: settings.env,
  });
  const destination = parseDestination(payload.destination);
  const fileName = backupFileName(database, payload.format, payload.compression, payload.encryption);
  const contentType = payload.encryption ? 'application/octet-stream'
    : payload.compression === 'gzip' ? 'application/gzip'
      : payload.format === 'plain' ? 'application/sql' : 'application/octet-stream';
  if (context.signal.aborted) throw abortedError(context.signal.reason);

  const started = performance.now();
  const target = await openBackupTarget(destination, fileName, contentType, settings, context.signal);
  const source = describeConnection(connection, database);
  context.log.info('database backup started', {
    database: source, destination: target.location, format: payload.format, compression: payload.compression, encrypted: payload.encryption,
  });
  try {
    const { bytes, sha256 } = await runPipeline(context, target, command, source, {
      gzip: payload.compression === 'gzip', key,
    });
    const location = await target.sink.commit();
    const durationMs = Math.round(performance.now() - started);
    context.log.info('database backup finished', { destination: location, bytes, durationMs });
    return {
      destination: location, bytes, durationMs, sha256,
      format: payload.format, compression: payload.compression, encrypted: payload.encryption, database,
    };
  } catch (error) {
    await target.sink.discard();
    if (context.signal.aborted) throw abortedError(context.signal.reason);
    throw error;
  } finally {
    target.close();
  }
}

async function runPipeline(
  context: JobContext<DatabaseBackupPayload>,
  target: BackupTarget,
  command: ReturnType<typeof pgDumpCommand>,
  source: string,
  stages: { gzip: boolean; key: Buffer | undefined },
): Promise<{ bytes: number; sha256: string }> {
  // Fires on the runtime's abort (timeout, cancel, shutdown) or when the store fails on its own.
  const internal = new AbortController();
  const onAbort = () => internal.abort(context.signal.reason);
  if (context.signal.aborted) onAbort();
  else context.signal.addEventListener('abort', onAbort, { once: true });

  const dump = startPgDump(command, source);
  const meter = createByteMeter((bytes) => {
    context.progress({ bytes }).catch(() => {});
  });
  const streams: Array<Readable | Transform | Writable> = [dump.stdout, dump.gate];
  if (stages.gzip) streams.push(zlib.createGzip());
  if (stages.key) streams.push(createEncryptStream(stages.key));
  streams.push(meter.stream, target.sink.writable);

  try {
    const [pipelineError, storeError] = await Promise.all([
      pipeline(streams, { signal: internal.signal }).then(() => undefined, (error: unknown) => error),
      target.sink.stored.then(() => undefined, (error: unknown) => {
        internal.abort(error);
        return error;
      }),
    ]);
    // The pipeline's own error (pg_dump, gzip, a local write) explains more than the store's
    // reaction to it; an AbortError from our own abort only means the store failed first.
    const ownAbort = internal.signal.aborted && (pipelineError as Error | undefined)?.name === 'AbortError';
    const failure = pipelineError !== undefined && !ownAbort ? pipelineError : storeError;
    if (failure !== undefined) throw failure;
    const warnings = dump.stderrTail();
    if (warnings) context.log.warn('pg_dump printed warnings', { stderr: warnings });
    await context.progress({ bytes: meter.bytes() }).catch(() => {});
    return { bytes: meter.bytes(), sha256: meter.sha256() };
  } finally {
    context.signal.removeEventListener('abort', onAbort);
    await dump.stop();
  }
}

/**
 * The runtime aborts with a reason that already says why (its JobTimeoutError, recognised by
 * `code`): pass it through. A bare abort() gives a DOMException that says nothing: wrap it.
 */
function abortedError(reason: unknown): Error {
  if (reason instanceof Error && reason.name !== 'AbortError') return reason;
  return Object.assign(new Error('database backup aborted', { cause: reason }), { code: BACKUP_ABORTED_CODE });
}
