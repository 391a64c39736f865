import { createLogger, knownQueues, Runtime, createDatabasePool, createBackend, discoverProcessors, migrateRecord, pingDatabase, describeDatabase } from '@nself-jobs/runtime';
import { BaseCommand, EXIT } from '../base-command.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export default class Init extends BaseCommand {
  static override summary = 'Check the queue backend and the database, apply migrations, list job types';
  static override description = 'Safe to run any number of times, from several machines at once: migrations run under a lock and only once.';
  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init --json'];

  async run(): Promise<void> {
    const { flags } = await this.parse(Init);
    const config = this.loadRuntimeConfig();
    const checks: Check[] = [];
    const check = async (name: string, fn: () => Promise<string>) => {
      try {
        checks.push({ name, ok: true, detail: await fn() });
      } catch (error) {
        checks.push({ name, ok: false, detail: (error as Error).message });
      }
    };

    const pool = createDatabasePool(config, 2);
    await check('database', async () => {
      await pingDatabase(pool, config);
      const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
      return `PostgreSQL ${rows[0].server_version} at ${describeDatabase(config)}`;
    });
    if (checks[0].ok) {
      await check('migrations', async () => {
        const { applied } = await migrateRecord(pool, config.database.schema);
        return applied.length > 0 ? `applied ${applied.join(', ')} in schema ${config.database.schema}` : `up to date in schema ${config.database.schema}`;
      });
    }
    await pool.end();

    await check('queue backend', async () => {
      const backend = await createBackend(config);
      try {
        await backend.ping();
        return `${backend.kind === 'redis' ? 'Redis' : 'PostgreSQL (BullMQ schema)'} at ${backend.address}`;
      } finally {
        await backend.close();
      }
    });

    await check('processors', async () => {
      const registry = await discoverProcessors(config);
      return registry.list().map((p) => `${p.type} (${p.packageName}@${p.packageVersion}, ${p.source})`).join(', ') || 'none installed';
    });

    if (checks.every((c) => c.ok)) {
      await check('record', async () => {
        const runtime = await Runtime.start(config, { migrate: false, log: createLogger(config.logLevel, 'stderr') });
        try {
          const { rebuilt, requeued } = await runtime.reconcile(knownQueues(runtime.registry));
          return `in step with the backend (${rebuilt} rows rebuilt, ${requeued} jobs requeued)`;
        } finally {
          await runtime.close();
        }
      });
    }

    const ok = checks.every((c) => c.ok);
    this.output(flags.json, { ok, checks }, () => {
      const width = Math.max(...checks.map((c) => c.name.length));
      for (const c of checks) this.log(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}`);
      this.log(ok ? '\nReady: start workers with `jobs worker`.' : '\nNot ready: fix what FAIL says, then run `jobs init` again.');
    });
    if (!ok) this.exit(EXIT.unavailable);
  }
}
