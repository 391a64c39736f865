import { PermanentJobError } from '@nself-jobs/sdk';
import { connectionFromEnv, type ConnectionSettings } from './connection.js';
import { ENCRYPTION_KEY_ENV, parseEncryptionKey } from './encryption-key.js';
import { findPgDump } from './find-pg-dump.js';
import { BACKUP_DIR_ENV } from './local-destination.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * What setup decides once per worker process. Configuration problems (a bad DATABASE_URL, a
 * malformed key, no pg_dump) are kept and raised by the jobs that need the setting, as
 * PermanentJobErrors naming the variable: a worker that also runs other job types keeps running.
 */
export interface BackupSettings {
  readonly env: Env;
  readonly backupDir: string | undefined;
  connection(): ConnectionSettings;
  /** The AES-256 key; throws when it is missing or malformed. */
  encryptionKey(): Buffer;
  pgDump(): string;
}

export function settingsFromEnv(env: Env): BackupSettings {
  let pgDump: string | undefined;
  return {
    env,
    backupDir: env[BACKUP_DIR_ENV] || undefined,
    connection: () => connectionFromEnv(env),
    encryptionKey: () => {
      const text = env[ENCRYPTION_KEY_ENV];
      if (!text) {
        throw new PermanentJobError(
          `encryption was asked for but ${ENCRYPTION_KEY_ENV} is not set in the worker environment; ` +
            'set it to a 32-byte key (openssl rand -hex 32) and keep a copy: backups cannot be restored without it',
        );
      }
      try {
        return parseEncryptionKey(text);
      } catch (error) {
        throw new PermanentJobError((error as Error).message);
      }
    },
    pgDump: () => (pgDump ??= findPgDump(env)),
  };
}

/** Problems worth a warning when the worker starts (the jobs that need the setting fail on their own). */
export function settingsWarnings(env: Env): string[] {
  const warnings: string[] = [];
  const key = env[ENCRYPTION_KEY_ENV];
  if (key) {
    try {
      parseEncryptionKey(key);
    } catch (error) {
      warnings.push(`${(error as Error).message}; encrypted backups will fail`);
    }
  }
  try {
    findPgDump(env);
  } catch (error) {
    warnings.push((error as Error).message);
  }
  return warnings;
}
