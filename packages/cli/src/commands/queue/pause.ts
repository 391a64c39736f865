import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { withRuntime } from '../../ops/open-runtime.js';

export default class QueuePause extends BaseCommand {
  static override summary = 'Stop workers from taking new jobs from a queue (running jobs finish; new jobs wait)';
  static override description = 'Applies to every worker of the queue, in every process. Idempotent. An unknown queue is refused (exit 2).';
  static override examples = ['<%= config.bin %> queue pause default'];
  static override args = { name: Args.string({ description: 'queue name', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(QueuePause);
    await withRuntime(this.loadRuntimeConfig(), async (runtime) => {
      const state = await runtime.operations.pause(args.name);
      this.output(flags.json, state, () => this.log(`queue ${state.queue} paused: workers take no new jobs from it until \`jobs queue resume\``));
    });
  }
}
