import { Args, Flags } from '@oclif/core';
import { PluginManager } from '@nself-jobs/runtime';
import { BaseCommand } from '../../base-command.js';
import { RESTART_NOTE } from './install.js';

export default class PluginsUninstall extends BaseCommand {
  static override summary = 'Remove an installed processor package';
  static override description = `Refused while the record has jobs of its types waiting, delayed or active: let workers finish them
(or cancel them) first, or pass --force, after which workers fail those jobs as of an unknown type. Tables its
migrations created stay, and so do their entries in the migration ledger.`;

  static override examples = ['<%= config.bin %> plugins uninstall greet', '<%= config.bin %> plugins uninstall @acme/jobs-processor-pdf --force'];

  static override aliases = ['plugins:remove'];

  static override args = {
    name: Args.string({ description: 'package name, short name, job type, or the path it was installed from', required: true }),
  };

  static override flags = {
    force: Flags.boolean({ description: 'uninstall even while jobs of its types wait or run', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginsUninstall);
    const manager = new PluginManager({
      config: this.loadRuntimeConfig(),
      onProgress: (line) => { if (!flags.json) process.stderr.write(`  ${line}\n`); },
    });
    const result = await manager.uninstall(args.name, { force: flags.force });
    this.output(flags.json, result, () => {
      this.log(`Uninstalled ${result.name}@${result.version} (job types ${result.types.join(', ') || 'none'})`);
      if (result.leftJobs > 0) process.stderr.write(`Warning: ${result.leftJobs} unfinished job(s) of its types are left; workers will fail them\n`);
      this.log(RESTART_NOTE);
    });
  }
}
