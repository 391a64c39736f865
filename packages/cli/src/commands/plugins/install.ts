import { Args, Flags } from '@oclif/core';
import { PluginManager } from '@nself-jobs/runtime';
import { BaseCommand } from '../../base-command.js';

export const RESTART_NOTE = 'Restart running `jobs worker` and `jobs server` processes to pick up the change.';

export default class PluginsInstall extends BaseCommand {
  static override summary = 'Install a processor package: an npm name, a local directory or a .tgz';
  static override description = `Installs into <JOBS_DATA_DIR>/plugins (an npm project; JOBS_DATA_DIR defaults to ./.jobs) with
\`npm install --omit=dev\`, then checks it as the runtime will: manifest, payload schemas, the runtime range, its
entry files, and its job types against every other processor's. Then it runs the package's migrations. When any
step fails, the plugins directory is rolled back and nothing is installed. A short name expands the way oclif's
does: \`pdf\` installs @nself-jobs/processor-pdf when the registry has it. A local directory is packed
(\`npm pack\`) and installed as a copy: build it first. Running workers pick the package up when restarted.`;

  static override examples = [
    '<%= config.bin %> plugins install ./greet',
    '<%= config.bin %> plugins install ./acme-jobs-processor-pdf-1.2.0.tgz',
    '<%= config.bin %> plugins install @acme/jobs-processor-pdf@^1.2',
    '<%= config.bin %> plugins install pdf',
  ];

  static override args = {
    package: Args.string({ description: 'npm name (with an optional @version), a package directory or a .tgz file', required: true }),
  };

  static override flags = {
    migrate: Flags.boolean({
      description: 'run the package\'s migrations now (--no-migrate leaves them to the next worker start)',
      default: true,
      allowNo: true,
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PluginsInstall);
    const config = this.loadRuntimeConfig();
    const manager = new PluginManager({ config, onProgress: (line) => { if (!flags.json) process.stderr.write(`  ${line}\n`); } });
    const result = await manager.install(args.package, { migrate: flags.migrate });
    const { plugin } = result;
    this.output(flags.json, result, () => {
      const was = result.previousVersion && result.previousVersion !== plugin.version ? ` (was ${result.previousVersion})` : '';
      this.log(`Installed ${plugin.name}@${plugin.version}${was}: job type${plugin.types.length === 1 ? '' : 's'} ${plugin.types.join(', ')}`);
      if (result.migrations.length > 0) this.log(`Migrations applied: ${result.migrations.join(', ')}`);
      for (const warning of result.warnings) process.stderr.write(`Warning: ${warning}\n`);
      this.log(RESTART_NOTE);
    });
  }
}
