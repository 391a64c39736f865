import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { withRuntime } from '../../ops/open-runtime.js';

export default class JobsCancel extends BaseCommand {
  static override summary = 'Cancel a waiting or delayed job, or ask a running one to stop';
  static override description = `A waiting or delayed job is removed from its queue and recorded as cancelled. A running job is asked to stop:
the worker holding it aborts its signal and records it cancelled (never retried); the command waits up to --wait ms for that,
then says whether it stopped. Finished jobs are refused (exit 2).`;

  static override examples = ['<%= config.bin %> jobs cancel 6f1c3a52-d9e8-4b0f-9a7e-2c41b5d3e806', '<%= config.bin %> jobs cancel <id> --wait 0 --json'];
  static override args = { id: Args.string({ description: 'job id (UUID)', required: true }) };
  static override flags = {
    wait: Flags.integer({ description: 'milliseconds to wait for a running job to stop', default: 5000, min: 0, max: 600000 }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(JobsCancel);
    await withRuntime(this.loadRuntimeConfig(), async (runtime) => {
      const outcome = await runtime.operations.cancel(args.id, { waitMs: flags.wait });
      this.output(flags.json, outcome, () => {
        if (outcome.status === 'active') this.log(`cancel requested for ${outcome.id}: still running after ${flags.wait} ms; it is recorded cancelled once its worker stops it`);
        else this.log(`cancelled ${outcome.id} (${outcome.type}, queue ${outcome.queue}): ${outcome.how === 'stopped' ? 'stopped while running' : 'removed from its queue'}`);
      });
    });
  }
}
