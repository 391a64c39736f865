import { Args, Flags } from '@oclif/core';
import { discoverProcessors, type RegisteredProcessor } from '@nself-jobs/runtime';
import { BaseCommand } from '../../base-command.js';

export default class ProcessorsList extends BaseCommand {
  static override summary = 'List every job type this runtime can run, built-in and installed';
  static override description = `Reads the built-in processor packages, those installed with \`jobs plugins install\` and those in
JOBS_PROCESSOR_PATHS, without running their code. --schema prints each type's payload JSON Schema.`;

  static override examples = [
    '<%= config.bin %> processors list',
    '<%= config.bin %> processors list http-request --schema',
    '<%= config.bin %> processors list --json',
  ];

  static override args = {
    type: Args.string({ description: 'show only this job type' }),
  };

  static override flags = {
    schema: Flags.boolean({ description: 'print the payload JSON Schema of each type', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ProcessorsList);
    const registry = await discoverProcessors(this.loadRuntimeConfig());
    const processors = args.type === undefined ? registry.list() : [registry.require(args.type)];
    const rows = processors.map((p) => ({
      type: p.type,
      package: p.packageName,
      version: p.packageVersion,
      source: p.source,
      queue: p.defaults.queue ?? 'default',
      priority: p.defaults.priority ?? 'normal',
      description: p.description ?? '',
      packageDir: p.packageDir,
      ...(flags.schema ? { schema: p.payloadSchema } : {}),
    }));
    this.output(flags.json, rows, () => {
      if (processors.length === 0) {
        this.log('no processors installed');
      } else if (flags.schema) {
        for (const p of processors) this.log(`${p.type} (${p.packageName}@${p.packageVersion}, ${p.source})\n${JSON.stringify(p.payloadSchema, null, 2)}\n`);
      } else {
        this.log(table(processors));
      }
    });
  }
}

function table(processors: RegisteredProcessor[]): string {
  const header = ['TYPE', 'VERSION', 'SOURCE', 'QUEUE', 'PACKAGE', 'DESCRIPTION'];
  const rows = processors.map((p) => [p.type, p.packageVersion, p.source, p.defaults.queue ?? 'default', p.packageName, p.description ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
