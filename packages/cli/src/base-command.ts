import { Command, Flags } from '@oclif/core';
import { isConfigError, isJobsError, loadConfig, RegistryError, type RuntimeConfig } from '@nself-jobs/runtime';

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 3, unavailable: 4 } as const;

/**
 * What every `jobs` command shares: `--json`, configuration loading, and turning
 * the runtime's coded errors into one clear line and an exit code (never a stack trace).
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({ description: 'print machine-readable JSON on stdout' }),
  };

  protected loadRuntimeConfig(overrides: Record<string, string | undefined> = {}): RuntimeConfig {
    const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Record<string, string>;
    return loadConfig({ overrides: defined });
  }

  protected output(json: boolean, data: unknown, human: () => void): void {
    if (json) this.log(JSON.stringify(data, null, 2));
    else human();
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (error.oclif?.exit !== undefined) throw error; // oclif's own parse errors and this.exit()
    if (isConfigError(error)) this.fail(error.message, EXIT.config);
    if (error instanceof RegistryError) this.fail(error.message, EXIT.config);
    if (isJobsError(error)) {
      const unavailable = error.code === 'BACKEND_UNAVAILABLE' || error.code === 'DATABASE_UNAVAILABLE';
      // Details are listed one per line, unless the message already spells each of them out.
      const lines = Array.isArray(error.details)
        ? (error.details as Array<{ path?: string; message?: string }>).filter((d) => d.path && !error.message.includes(`${d.path}: ${d.message}`))
          .map((d) => `  ${d.path}: ${d.message}`)
        : [];
      this.fail([error.message, ...lines].join('\n'), unavailable ? EXIT.unavailable : EXIT.usage);
    }
    if ((error as { code?: unknown }).code === 'SETUP_INVALID') this.fail(error.message, EXIT.config);
    if (/cannot reach|ECONNREFUSED|ENOTFOUND|timeout/i.test(error.message)) this.fail(error.message, EXIT.unavailable);
    this.fail(error.message, EXIT.failure);
  }

  private fail(message: string, code: number): never {
    process.stderr.write(`Error: ${message}\n`);
    return this.exit(code);
  }
}
