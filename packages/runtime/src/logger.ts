import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Long-running commands (worker, server) log to stdout;
 * one-shot commands log to stderr so that their stdout stays scriptable.
 */
export function createLogger(level: string, destination: 'stdout' | 'stderr' = 'stdout'): Logger {
  return pino({ level, base: { service: 'nself-jobs' } }, pino.destination({ fd: destination === 'stdout' ? 1 : 2, sync: false }));
}

/** A logger that drops everything, for tests and embedding. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
