import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough } from 'node:stream';
import { PermanentJobError } from '@nself-jobs/sdk';
import type { BackupSink } from './backup-sink.js';
import { abortRequestsOn } from './object-store.js';

/** 8 MiB parts, two in flight: memory stays near 3 parts whatever the backup size. */
export const PART_SIZE = 8 * 1024 * 1024;
export const QUEUE_SIZE = 2;

export const BACKUP_UPLOAD_FAILED_CODE = 'BACKUP_UPLOAD_FAILED';

/** S3 error names that a retry will not fix. */
const PERMANENT_S3_ERRORS = new Set([
  'AccessDenied', 'AllAccessDisabled', 'AuthorizationHeaderMalformed', 'InvalidAccessKeyId', 'InvalidBucketName',
  'NoSuchBucket', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'AccountProblem', 'CredentialsProviderError',
]);

export interface ObjectStoreSinkOptions {
  client: S3Client;
  bucket: string;
  key: string;
  /** The URL reported in results and messages. */
  url: string;
  contentType: string;
  /** The job's signal: aborts the requests in flight too. */
  signal: AbortSignal;
}

/**
 * Streams the backup with lib-storage's Upload: one PutObject when it fits in a part, else a
 * multipart upload. The body is a PassThrough the pipeline writes into: when the pipeline fails
 * it destroys the body with the error, Upload's read of it throws, and Upload aborts the
 * multipart upload (leavePartsOnError: false) before `done()` settles, so no parts are left.
 * An Upload only completes after the body ended, which the pipeline allows only once pg_dump
 * exited 0, so a failed dump never becomes an object. Once every byte is in, only the job's abort
 * can still stop it: that aborts the requests in flight, and lib-storage aborts the multipart
 * upload. An upload that completed anyway (its last response won the race) is kept and reported:
 * a finished backup is never thrown away.
 */
export function openObjectStoreSink(options: ObjectStoreSinkOptions): BackupSink {
  // Fires on the job's abort and on discard: requests in flight stop at once (see abortRequestsOn).
  const requests = new AbortController();
  const onAbort = () => requests.abort(options.signal.reason);
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });
  abortRequestsOn(options.client, requests.signal);

  const body = new PassThrough({ highWaterMark: 1024 * 1024 });
  const upload = new Upload({
    client: options.client,
    params: { Bucket: options.bucket, Key: options.key, Body: body, ContentType: options.contentType },
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
  });
  let completed = false;
  const done = upload.done().then(
    () => { completed = true; },
    (error: unknown) => { throw uploadError(error, options.url); },
  ).finally(() => options.signal.removeEventListener('abort', onAbort));
  done.catch(() => {});
  let discarded = false;
  return {
    writable: body,
    stored: done,
    async commit() {
      await done;
      return options.url;
    },
    async discard() {
      if (discarded) return;
      discarded = true;
      if (!body.destroyed) body.destroy(new Error('backup failed'));
      requests.abort();
      await done.catch(() => {});
      if (completed) {
        // A safety net, unreachable in practice (a stored object means the job succeeds): a job that
        // reports failure leaves nothing behind.
        await options.client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: options.key })).catch(() => {});
      }
    },
  };
}

/** A refused request (credentials, signature, bucket) fails the job for good; the rest is retried. */
export function uploadError(error: unknown, url: string): Error {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? 'Error';
  const status = e?.$metadata?.httpStatusCode;
  const message = `upload to ${url} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(error)}`;
  if (PERMANENT_S3_ERRORS.has(name) || status === 403) {
    return Object.assign(new PermanentJobError(message, { cause: error }), { reason: BACKUP_UPLOAD_FAILED_CODE });
  }
  return Object.assign(new Error(message, { cause: error }), { code: BACKUP_UPLOAD_FAILED_CODE });
}
