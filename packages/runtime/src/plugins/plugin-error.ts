export type PluginErrorCode =
  /** The package was installed, then refused (manifest, schema, runtime range, duplicate type, migrations): rolled back. */
  | 'PLUGIN_REFUSED'
  /** npm itself failed (not found, no network, bad tarball...): rolled back. */
  | 'NPM_FAILED'
  | 'PLUGIN_NOT_INSTALLED'
  /** Jobs of the plugin's types still wait or run: uninstall refused (unless forced). */
  | 'PLUGIN_IN_USE'
  /** The record cannot be read to check for unfinished jobs. */
  | 'RECORD_UNAVAILABLE'
  /** Another `jobs plugins:*` command holds the plugins directory. */
  | 'PLUGINS_BUSY'
  | 'PLUGIN_SPEC_INVALID'
  /** The database has migrations of a package that the installed version does not know. */
  | 'MIGRATIONS_UNKNOWN';

/**
 * Every refusal of the plugin installer and of per-package migrations. The `code` is stable;
 * the message names the package and says what to do.
 */
export class PluginError extends Error {
  readonly code: PluginErrorCode;
  readonly packageName?: string;
  readonly details?: unknown;

  constructor(
    code: PluginErrorCode,
    message: string,
    options: { packageName?: string; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PluginError';
    this.code = code;
    if (options.packageName !== undefined) this.packageName = options.packageName;
    if (options.details !== undefined) this.details = options.details;
  }
}

export function isPluginError(error: unknown): error is PluginError {
  return error instanceof Error && error.name === 'PluginError' && typeof (error as { code?: unknown }).code === 'string';
}
