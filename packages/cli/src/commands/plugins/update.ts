import { Args, Flags } from '@oclif/core';
import { PluginManager } from '@nself-jobs/runtime';
import { BaseCommand, EXIT } from '../../base-command.js';
import { RESTART_NOTE } from './install.js';

export default class PluginsUpdate extends BaseCommand {
  static override summary = 'Update installed processor packages (all of them, or one)';
  static override description = `Fetches each plugin again the way it was installed: an npm one at the tag or range it was installed
with (latest by default), a local directory packed again, a tarball read again. Each update is validated like an
install and rolled back on its own when it fails; the command then exits 1.`;

  static override examples = ['<%= config.bin %> plugins update', '<%= config.bin %> plugins update @acme/jobs-processor-pdf'];

  static override args = {
    name: Args.string({ description: 'package name, short name or job type (default: every plugin)' }),
  };

  static override flags = {
    migrate: Flags.boolean({ description: 'run migrations now (--no-migrate leaves them to the next worker start)', default: true, allowNo: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginsUpdate);
    const manager = new PluginManager({
      config: this.loadRuntimeConfig(),
      onProgress: (line) => { if (!flags.json) process.stderr.write(`  ${line}\n`); },
    });
    const results = await manager.update(args.name, { migrate: flags.migrate });
    const failed = results.filter((r) => 'error' in r);
    this.output(flags.json, results.map((r) => ('error' in r ? { name: r.name, error: r.error.message } : r)), () => {
      if (results.length === 0) this.log('no plugins installed');
      for (const r of results) {
        if ('error' in r) {
          process.stderr.write(`Error: ${r.error.message}\n`);
          continue;
        }
        const { name, version } = r.plugin;
        this.log(r.previousVersion && r.previousVersion !== version ? `Updated ${name} ${r.previousVersion} -> ${version}` : `${name}@${version} reinstalled (no newer version)`);
        if (r.migrations.length > 0) this.log(`  migrations applied: ${r.migrations.join(', ')}`);
      }
      if (results.length > failed.length) this.log(RESTART_NOTE);
    });
    if (failed.length > 0) this.exit(EXIT.failure);
  }
}
