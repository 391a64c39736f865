export type MigrationErrorCode = 'MIGRATION_FAILED' | 'MIGRATION_INVALID';

/**
 * A refused or failed migration run. The `code` is stable (the CLI and server map it to exit
 * codes and statuses); the message names the package and the migration so people know where to look.
 */
export class MigrationError extends Error {
  readonly code: MigrationErrorCode;
  readonly packageName: string;
  readonly migrationName?: string;

  constructor(
    code: MigrationErrorCode,
    message: string,
    options: { packageName: string; migrationName?: string; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MigrationError';
    this.code = code;
    this.packageName = options.packageName;
    if (options.migrationName !== undefined) this.migrationName = options.migrationName;
  }
}
