import { Args, Flags } from '@oclif/core';
import {
  BACKUP_DECRYPT_FAILED_CODE, decryptBackup, ENCRYPTION_KEY_ENV, OUTPUT_EXISTS_CODE, parseEncryptionKey,
} from '@nself-jobs/processor-database-backup/decrypt';
import { BaseCommand, EXIT } from '../../base-command.js';

export default class BackupDecrypt extends BaseCommand {
  static override summary = 'Decrypt an encrypted database backup (.enc) so that gunzip, pg_restore or psql can read it';
  static override description = `Reads a backup written by a database-backup job with "encryption": true (the NSJB1 format) and writes the
plain dump, with the key from ${ENCRYPTION_KEY_ENV} (environment or .env). Every 64 KiB chunk is authenticated:
a modified, truncated or wrong-key file is refused with exit code 1 and no output file is left behind.
Restore afterwards: gunzip a .gz, then pg_restore a .dump or psql a .sql.`;

  static override examples = [
    '<%= config.bin %> backup decrypt app-2026-01-31T02-00-00-000Z.dump.gz.enc',
    '<%= config.bin %> backup decrypt app.dump.gz.enc --out /tmp/app.dump.gz && gunzip /tmp/app.dump.gz && pg_restore -d app_restored /tmp/app.dump',
    '<%= config.bin %> backup decrypt app.sql.gz.enc --out - | gunzip | psql app_restored',
  ];

  static override args = {
    file: Args.string({ description: 'the encrypted backup (.enc)', required: true }),
  };

  static override flags = {
    out: Flags.string({ char: 'o', description: 'output file; default: the input without ".enc"; "-" for stdout' }),
    force: Flags.boolean({ char: 'f', description: 'replace the output file if it exists' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(BackupDecrypt);
    const keyText = this.loadRuntimeConfig().env[ENCRYPTION_KEY_ENV];
    if (!keyText) {
      process.stderr.write(`Error: ${ENCRYPTION_KEY_ENV} is not set: export it (or put it in .env) with the key the backup was encrypted with\n`);
      this.exit(EXIT.config);
    }
    let key: Buffer;
    try {
      key = parseEncryptionKey(keyText!);
    } catch (error) {
      process.stderr.write(`Error: ${(error as Error).message}\n`);
      return this.exit(EXIT.config);
    }

    const out = flags.out ?? (args.file.endsWith('.enc') ? args.file.slice(0, -'.enc'.length) : undefined);
    if (!out) {
      process.stderr.write(`Error: ${args.file} does not end in .enc: name the output with --out\n`);
      this.exit(EXIT.usage);
    }
    try {
      const result = out === '-'
        ? await decryptBackup(args.file, process.stdout, key)
        : await decryptBackup(args.file, out!, key, { overwrite: flags.force });
      const report = { input: args.file, output: result.output ?? '-', bytes: result.bytes };
      if (out === '-') process.stderr.write(`decrypted ${args.file} (${result.bytes} bytes) to stdout\n`);
      else this.output(flags.json, report, () => this.log(`decrypted ${args.file} -> ${result.output} (${result.bytes} bytes)`));
    } catch (error) {
      const e = error as Error & { code?: string };
      if (e.code === OUTPUT_EXISTS_CODE) {
        process.stderr.write(`Error: ${e.message}\n`);
        this.exit(EXIT.usage);
      }
      const why = e.code !== BACKUP_DECRYPT_FAILED_CODE ? e.message
        : out === '-' ? `${e.message}; the output written so far is incomplete: discard it` : `${e.message}; no output file was written`;
      throw new Error(`cannot decrypt ${args.file}: ${why}`, { cause: error });
    }
  }
}
