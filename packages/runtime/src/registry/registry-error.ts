export type RegistryErrorCode =
  | 'MANIFEST_INVALID'
  | 'SCHEMA_INVALID'
  | 'DUPLICATE_TYPE'
  | 'RUNTIME_INCOMPATIBLE'
  | 'PACKAGE_NOT_FOUND'
  | 'ENTRY_INVALID'
  | 'UNKNOWN_TYPE';

/**
 * Every refusal of the processor registry. The `code` is stable (the server and CLI map it to
 * HTTP statuses and exit codes); the message is for people: it names the package and what to do.
 */
export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  readonly packageName?: string;
  readonly details?: unknown;

  constructor(
    code: RegistryErrorCode,
    message: string,
    options: { packageName?: string; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    if (options.packageName !== undefined) this.packageName = options.packageName;
    if (options.details !== undefined) this.details = options.details;
  }
}
