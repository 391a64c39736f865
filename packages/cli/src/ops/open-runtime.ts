import { createLogger, Runtime, type RuntimeConfig } from '@nself-jobs/runtime';

/**
 * Runs `work` with a runtime for a one-shot command (logs on stderr, so stdout stays
 * scriptable) and closes it whatever happens.
 */
export async function withRuntime<T>(config: RuntimeConfig, work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await Runtime.start(config, { log: createLogger(config.logLevel, 'stderr') });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
