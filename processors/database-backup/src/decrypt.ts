/**
 * `@nself-jobs/processor-database-backup/decrypt`: what a restore needs, without the processor
 * (no AWS SDK loaded). Used by `jobs backup decrypt`.
 */
export { decryptBackup, OUTPUT_EXISTS_CODE, type DecryptBackupOptions, type DecryptBackupResult } from './decrypt-backup.js';
export { BackupDecryptError, BACKUP_DECRYPT_FAILED_CODE, type DecryptFailure } from './backup-cipher.js';
export { ENCRYPTION_KEY_ENV, ENCRYPTION_KEY_INVALID_CODE, parseEncryptionKey } from './encryption-key.js';
