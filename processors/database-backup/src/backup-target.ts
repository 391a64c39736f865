import type { S3Client } from '@aws-sdk/client-s3';
import type { BackupSink } from './backup-sink.js';
import { objectUrl, type Destination } from './destination.js';
import { resolveLocalDestination } from './local-destination.js';
import { openLocalSink } from './local-sink.js';
import { createObjectStoreClient } from './object-store.js';
import { openObjectStoreSink } from './object-store-sink.js';
import type { BackupSettings } from './settings.js';

export interface BackupTarget {
  sink: BackupSink;
  /** The final path or URL, also used in messages (it never holds a credential). */
  location: string;
  close(): void;
}

/** Opens the sink for a parsed destination; `fileName` is used when it names a directory / prefix. */
export async function openBackupTarget(
  destination: Destination, fileName: string, contentType: string, settings: BackupSettings, signal: AbortSignal,
): Promise<BackupTarget> {
  if (destination.kind === 'local') {
    const file = await resolveLocalDestination(destination.path, settings.backupDir, fileName);
    return { sink: openLocalSink(file), location: file, close() {} };
  }
  const client: S3Client = createObjectStoreClient(destination, settings.env);
  const key = destination.key === '' || destination.key.endsWith('/') ? `${destination.key}${fileName}` : destination.key;
  const url = objectUrl(destination, key);
  const sink = openObjectStoreSink({ client, bucket: destination.bucket, key, url, contentType, signal });
  return { sink, location: url, close: () => client.destroy() };
}
