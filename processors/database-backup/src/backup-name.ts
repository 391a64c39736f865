import type { BackupCompression, BackupFormat } from './payload.js';

/** `.dump` (custom) or `.sql` (plain), then `.gz` and `.enc` for the stages the bytes went through. */
export function backupExtension(format: BackupFormat, compression: BackupCompression, encrypted: boolean): string {
  return `${format === 'custom' ? '.dump' : '.sql'}${compression === 'gzip' ? '.gz' : ''}${encrypted ? '.enc' : ''}`;
}

/**
 * The name a directory / prefix destination gets: `<db>-<UTC timestamp>.<dump|sql>[.gz][.enc]`.
 * The timestamp is ISO 8601 with `:` and `.` turned into `-` (2026-01-31T02-00-00-123Z), so the
 * name sorts by time and is safe on every file system and in URLs. Unusual characters of the
 * database name become `_`.
 */
export function backupFileName(database: string, format: BackupFormat, compression: BackupCompression, encrypted: boolean, now = new Date()): string {
  const safeDb = database.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100) || 'database';
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return `${safeDb}-${stamp}${backupExtension(format, compression, encrypted)}`;
}
