import { PluginManager, type InstalledPlugin } from '@nself-jobs/runtime';
import { BaseCommand } from '../../base-command.js';

export default class PluginsList extends BaseCommand {
  static override summary = 'List installed processor packages with their version, job types and source';
  static override description = 'Only plugins (installed with `jobs plugins install`); `jobs processors list` shows every job type, built-in ones included.';
  static override examples = ['<%= config.bin %> plugins list', '<%= config.bin %> plugins list --json'];

  async run(): Promise<void> {
    const { flags } = await this.parse(PluginsList);
    const manager = new PluginManager({ config: this.loadRuntimeConfig() });
    const plugins = await manager.list();
    this.output(flags.json, plugins, () => {
      if (plugins.length === 0) {
        this.log(`no plugins installed in ${manager.dir.dir} (install one with \`jobs plugins install <package>\`)`);
        return;
      }
      this.log(table(plugins));
      for (const p of plugins.filter((p) => p.problem)) process.stderr.write(`Warning: ${p.name} does not load: ${p.problem}\n`);
    });
  }
}

function sourceOf(plugin: InstalledPlugin): string {
  return plugin.source === 'npm' ? `npm (${plugin.request})` : `${plugin.source} (${plugin.location ?? plugin.request})`;
}

function table(plugins: InstalledPlugin[]): string {
  const header = ['NAME', 'VERSION', 'TYPES', 'SOURCE'];
  const rows = plugins.map((p) => [p.name, p.version, p.types.join(', ') + (p.problem ? ' (BROKEN)' : ''), sourceOf(p)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
