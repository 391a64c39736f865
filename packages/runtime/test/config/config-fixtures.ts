import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isConfigError, loadConfig, type RuntimeConfig } from '../../src/config/index.js';

/** Temp directories for .env files; call cleanup() from an after() hook. */
export function tempDirs() {
  const made: string[] = [];
  return {
    /** A fresh directory, with a .env holding `envFile` when given. */
    dir(envFile?: string): string {
      const dir = mkdtempSync(path.join(tmpdir(), 'jobs-config-'));
      made.push(dir);
      if (envFile !== undefined) writeFileSync(path.join(dir, '.env'), envFile);
      return dir;
    },
    /** A directory whose .env is itself a directory, so reading it fails. */
    dirWithUnreadableEnv(): string {
      const dir = this.dir();
      mkdirSync(path.join(dir, '.env'));
      return dir;
    },
    cleanup(): void {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type TempDirs = ReturnType<typeof tempDirs>;

/** Loads with only `env` (never process.env) from a directory without .env. */
export function loadWith(dirs: TempDirs, env: Record<string, string | undefined>): RuntimeConfig {
  return loadConfig({ env, cwd: dirs.dir() });
}

/** The problems loadConfig() reports for `env`; fails the test if it does not throw a ConfigError. */
export function problemsFor(dirs: TempDirs, env: Record<string, string | undefined>): string[] {
  try {
    loadWith(dirs, env);
  } catch (error) {
    if (isConfigError(error)) return error.problems;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}
