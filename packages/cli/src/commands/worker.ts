import { Args, Flags } from '@oclif/core';
import { createLogger, DEFAULT_QUEUES, knownQueues, Runtime } from '@nself-jobs/runtime';
import { BaseCommand, EXIT } from '../base-command.js';
import { listenForStop } from '../stop-signal.js';

export default class Worker extends BaseCommand {
  static override summary = 'Run workers that process jobs until stopped';
  static override description = `Consumes the given queues (all of ${DEFAULT_QUEUES.join(', ')} and any queue a processor declares, by default).
SIGTERM or SIGINT (Ctrl-C) stops taking new jobs and lets active ones finish within JOBS_SHUTDOWN_GRACE_PERIOD (30 s);
jobs still running then are handed back to the queue and retried, never lost. Exits 0 after a clean stop.`;

  static override examples = [
    '<%= config.bin %> worker',
    '<%= config.bin %> worker high-priority',
    '<%= config.bin %> worker default low-priority --concurrency 20',
  ];

  static override strict = false;
  static override args = {
    queues: Args.string({ description: 'queues to consume (default: all)' }),
  };

  static override flags = {
    concurrency: Flags.integer({ char: 'c', description: 'jobs run at once per queue (default JOBS_DEFAULT_CONCURRENCY, 5)', min: 1, max: 1000 }),
    'grace-period': Flags.integer({ description: 'milliseconds active jobs get to finish on shutdown (default JOBS_SHUTDOWN_GRACE_PERIOD)', min: 0 }),
    'metrics-port': Flags.integer({ description: 'serve this process\'s Prometheus metrics at http://JOBS_SERVER_HOST:<port>/metrics (0: any free port)', min: 0, max: 65535 }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Worker);
    const config = this.loadRuntimeConfig({
      JOBS_DEFAULT_CONCURRENCY: flags.concurrency?.toString(),
      JOBS_SHUTDOWN_GRACE_PERIOD: flags['grace-period']?.toString(),
    });
    const log = createLogger(config.logLevel);
    const runtime = await Runtime.start(config, { log });
    const available = knownQueues(runtime.registry);
    const queues = argv.length > 0 ? [...new Set(argv as string[])] : available;
    const unknown = queues.filter((q) => !available.includes(q));
    if (unknown.length > 0) {
      await runtime.close();
      process.stderr.write(`Error: unknown queue ${unknown.map((q) => `"${q}"`).join(', ')}; known queues: ${available.join(', ')}\n`);
      this.exit(EXIT.usage);
    }

    await runtime.backend.ping();
    await runtime.startWorkers({ queues, concurrency: config.concurrency });
    const metrics = flags['metrics-port'] === undefined ? undefined
      : await (await import('@nself-jobs/server')).startMetricsServer(runtime, { port: flags['metrics-port'] });
    if (metrics) process.stderr.write(`jobs worker: metrics at ${metrics.url}\n`);
    log.info({ queues, concurrency: config.concurrency, backend: runtime.backend.address, types: runtime.registry.types() }, 'workers started');
    if (!flags.json) process.stderr.write(`jobs worker: consuming ${queues.join(', ')} (concurrency ${config.concurrency}) on ${runtime.backend.address}; Ctrl-C to stop\n`);

    await listenForStop(() => {}).received;
    log.info({ graceMs: config.shutdownGracePeriod }, 'shutting down: finishing active jobs');
    await metrics?.close();
    await runtime.close(config.shutdownGracePeriod);
    log.info('stopped');
    log.flush?.();
  }
}
