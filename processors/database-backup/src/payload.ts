import { PermanentJobError } from '@nself-jobs/sdk';

/** The job payload, as described by schemas/payload.schema.json. */
export type BackupFormat = 'plain' | 'custom';
export type BackupCompression = 'gzip' | 'none';

export interface DatabaseBackupPayload {
  /** Database to dump; default: the one named by DATABASE_URL / POSTGRES_DB. */
  database?: string;
  /** Only these tables (`table` or `schema.table`, exact names); default: the whole database. */
  tables?: string[];
  /** Local directory / file under JOBS_BACKUP_DIR, or s3://, minio://, http(s):// bucket URL. */
  destination: string;
  compression?: BackupCompression;
  encryption?: boolean;
  format?: BackupFormat;
}

export interface ResolvedPayload {
  database: string | undefined;
  tables: readonly string[];
  destination: string;
  compression: BackupCompression;
  encryption: boolean;
  format: BackupFormat;
}

// Repeated from the schema because the runtime may validate without applying ajv's `useDefaults`.
export const DEFAULT_COMPRESSION: BackupCompression = 'gzip';
export const DEFAULT_FORMAT: BackupFormat = 'custom';

/**
 * Applies the schema defaults. The schema already checks all of this; it is checked again because
 * a processor may be run by code that skipped validation, and a wrong value here would reach pg_dump.
 */
export function resolvePayload(payload: DatabaseBackupPayload): ResolvedPayload {
  if (typeof payload?.destination !== 'string' || payload.destination.trim() === '') {
    throw new PermanentJobError('payload.destination is required: a path under JOBS_BACKUP_DIR or an s3://, minio:// or http(s):// URL');
  }
  const format = payload.format ?? DEFAULT_FORMAT;
  if (format !== 'plain' && format !== 'custom') throw new PermanentJobError('payload.format must be "plain" or "custom"');
  const compression = payload.compression ?? DEFAULT_COMPRESSION;
  if (compression !== 'gzip' && compression !== 'none') throw new PermanentJobError('payload.compression must be "gzip" or "none"');
  if (payload.database !== undefined && (typeof payload.database !== 'string' || payload.database === '')) {
    throw new PermanentJobError('payload.database must be a non-empty string');
  }
  const tables = payload.tables ?? [];
  if (!Array.isArray(tables) || tables.some((t) => typeof t !== 'string' || t === '')) {
    throw new PermanentJobError('payload.tables must be an array of non-empty table names');
  }
  return {
    database: payload.database,
    tables,
    destination: payload.destination.trim(),
    compression,
    encryption: payload.encryption === true,
    format,
  };
}
