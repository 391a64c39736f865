import { defineProcessor, type SetupContext } from '@nself-jobs/sdk';
import type { DatabaseBackupPayload } from './payload.js';
import { performBackup, type DatabaseBackupResult } from './perform-backup.js';
import { settingsFromEnv, settingsWarnings, type BackupSettings } from './settings.js';

export type { DatabaseBackupPayload, BackupFormat, BackupCompression } from './payload.js';
export type { DatabaseBackupResult } from './perform-backup.js';
export { ENCRYPTION_KEY_ENV, parseEncryptionKey } from './encryption-key.js';
export { BACKUP_DIR_ENV } from './local-destination.js';
export { PG_DUMP_ENV } from './find-pg-dump.js';
export { decryptBackup, type DecryptBackupOptions, type DecryptBackupResult } from './decrypt-backup.js';
export { BackupDecryptError, BACKUP_DECRYPT_FAILED_CODE, type DecryptFailure } from './backup-cipher.js';

// Filled by setup; a host that runs process() without setup gets an empty environment.
let settings: BackupSettings | undefined;

function setup(context: SetupContext): void {
  settings = settingsFromEnv(context.env);
  for (const warning of settingsWarnings(context.env)) context.log.warn(`database-backup: ${warning}`);
}

export default defineProcessor<DatabaseBackupPayload, DatabaseBackupResult>({
  type: 'database-backup',
  setup,
  process: (context) => performBackup(context, (settings ??= settingsFromEnv({}))),
});
