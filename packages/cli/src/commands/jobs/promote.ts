import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { withRuntime } from '../../ops/open-runtime.js';

export default class JobsPromote extends BaseCommand {
  static override summary = 'Run a delayed job now';
  static override description = 'A job waiting out its delay (or its retry backoff) becomes due at once. Any other job is refused (exit 2).';
  static override examples = ['<%= config.bin %> jobs promote 6f1c3a52-d9e8-4b0f-9a7e-2c41b5d3e806'];
  static override args = { id: Args.string({ description: 'job id (UUID)', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(JobsPromote);
    await withRuntime(this.loadRuntimeConfig(), async (runtime) => {
      const outcome = await runtime.operations.promote(args.id);
      this.output(flags.json, outcome, () => this.log(`promoted ${outcome.id} (${outcome.type}, queue ${outcome.queue}): due now`));
    });
  }
}
