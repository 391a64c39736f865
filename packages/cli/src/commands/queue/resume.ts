import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { withRuntime } from '../../ops/open-runtime.js';

export default class QueueResume extends BaseCommand {
  static override summary = 'Let workers take jobs from a paused queue again';
  static override description = 'Applies to every worker of the queue, in every process. Idempotent. An unknown queue is refused (exit 2).';
  static override examples = ['<%= config.bin %> queue resume default'];
  static override args = { name: Args.string({ description: 'queue name', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(QueueResume);
    await withRuntime(this.loadRuntimeConfig(), async (runtime) => {
      const state = await runtime.operations.resume(args.name);
      this.output(flags.json, state, () => this.log(`queue ${state.queue} resumed: workers take its jobs again`));
    });
  }
}
