export const CONFIG_INVALID_CODE = 'CONFIG_INVALID';

/**
 * Thrown by loadConfig() with every problem found, not just the first, so one run
 * tells an operator everything to fix. Each problem reads `VARIABLE: message`.
 * Callers recognise it by `code` (the CLI maps it to an exit code, the server to a 500 at boot).
 */
export class ConfigError extends Error {
  readonly code = CONFIG_INVALID_CODE;
  readonly problems: string[];

  constructor(problems: string[]) {
    super(['invalid configuration:', ...problems.map((problem) => `  - ${problem}`)].join('\n'));
    this.name = 'ConfigError';
    this.problems = [...problems];
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return typeof error === 'object' && error !== null
    && (error as { code?: unknown }).code === CONFIG_INVALID_CODE;
}
