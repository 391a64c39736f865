import { connectionUrl, type ConnectionSettings } from './connection.js';
import type { BackupFormat } from './payload.js';
import { tablePattern } from './table-pattern.js';

export interface PgDumpCommandInput {
  /** Path of the pg_dump binary. */
  binary: string;
  connection: ConnectionSettings;
  database: string;
  format: BackupFormat;
  tables: readonly string[];
  /** The environment the worker runs with (setup's env); pg_dump inherits it. */
  baseEnv: Readonly<Record<string, string | undefined>>;
}

export interface PgDumpCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * The exact pg_dump invocation, as a pure function so tests can check what it would run.
 *
 * - The password goes into PGPASSWORD, never into argv: anyone on the host can read argv in
 *   /proc/<pid>/cmdline or `ps`. `--dbname` gets a URL with no password in it.
 * - `--no-password`: pg_dump fails instead of waiting for a prompt nobody will answer.
 * - Every option is one `--name=value` argument, so a value starting with `-` is never read as
 *   an option; spawn() runs no shell, so no shell quoting is involved.
 * - Custom format is written uncompressed (`--compress=0`): the gzip stage after pg_dump does the
 *   compressing, and gzipping pg_dump's own compressed output would only burn CPU. A custom dump
 *   is restored with pg_restore after gunzip.
 */
export function pgDumpCommand(input: PgDumpCommandInput): PgDumpCommand {
  const args = [
    `--dbname=${connectionUrl(input.connection, input.database)}`,
    `--format=${input.format}`,
    '--no-password',
  ];
  if (input.format === 'custom') args.push('--compress=0');
  for (const table of input.tables) args.push(`--table=${tablePattern(table)}`);

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.baseEnv)) if (value !== undefined) env[key] = value;
  if (input.connection.password !== undefined) env.PGPASSWORD = input.connection.password;
  env.PGAPPNAME ??= 'nself-jobs-database-backup';
  env.PGCONNECT_TIMEOUT ??= '30';
  // Messages in English whatever the host's locale: the job's error is read by people and code.
  delete env.LC_ALL;
  env.LC_MESSAGES = 'C';
  return { command: input.binary, args, env };
}
