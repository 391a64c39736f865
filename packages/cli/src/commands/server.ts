import { Flags } from '@oclif/core';
import { createLogger, Runtime } from '@nself-jobs/runtime';
import { startServer } from '@nself-jobs/server';
import { BaseCommand } from '../base-command.js';
import { listenForStop } from '../stop-signal.js';

export default class Server extends BaseCommand {
  static override summary = 'Run the REST API and the dashboard (no workers) until stopped';
  static override description = `Serves the REST API under /api, the BullBoard dashboard at JOBS_DASHBOARD_PATH (/dashboard), /health and /ready
on JOBS_SERVER_HOST:JOBS_DASHBOARD_PORT (127.0.0.1:3105). With JOBS_API_KEY set, /api and the dashboard require it.
Without a key it refuses to listen on an address other than loopback unless --allow-public is given.
Run \`jobs worker\` beside it to process the jobs. SIGTERM or SIGINT (Ctrl-C) closes the server, then the runtime, and exits 0.`;

  static override examples = [
    '<%= config.bin %> server',
    '<%= config.bin %> server --port 8080',
    'JOBS_API_KEY=secret <%= config.bin %> server --host 0.0.0.0',
  ];

  static override flags = {
    host: Flags.string({ description: 'address to listen on (default JOBS_SERVER_HOST, 127.0.0.1)' }),
    port: Flags.integer({ description: 'port to listen on, 0 for any free one (default JOBS_DASHBOARD_PORT, 3105)', min: 0, max: 65535 }),
    'allow-public': Flags.boolean({ description: 'listen on a non-loopback address even though no JOBS_API_KEY is set', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Server);
    const config = this.loadRuntimeConfig();
    const log = createLogger(config.logLevel);
    const runtime = await Runtime.start(config, { log });
    let server;
    try {
      server = await startServer(runtime, { host: flags.host, port: flags.port, allowPublicWithoutKey: flags['allow-public'] });
    } catch (error) {
      await runtime.close();
      throw error;
    }
    const { url, apiUrl, dashboardUrl } = server;
    log.info({ url, apiUrl, dashboardUrl, backend: runtime.backend.address, auth: Boolean(config.apiKey) }, 'server listening');
    this.output(flags.json, { url, apiUrl, dashboardUrl: dashboardUrl ?? null }, () => {
      this.log(`API:       ${apiUrl}`);
      this.log(`Dashboard: ${dashboardUrl ?? '(disabled: JOBS_DASHBOARD_ENABLED=false)'}`);
      process.stderr.write('jobs server: no workers run here (start `jobs worker`); Ctrl-C to stop\n');
    });

    const signal = await listenForStop(() => {}).received;
    log.info({ signal }, 'shutting down: closing the server, then the runtime');
    await server.close();
    await runtime.close();
    log.info('stopped');
    log.flush?.();
  }
}
