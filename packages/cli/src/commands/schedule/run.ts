import { Args } from '@oclif/core';
import { createLogger, Runtime } from '@nself-jobs/runtime';
import { BaseCommand } from '../../base-command.js';

export default class ScheduleRun extends BaseCommand {
  static override summary = 'Enqueue one job of a schedule now and print its id';
  static override description = 'Also for a disabled schedule. The cron timing is not changed; the job carries the schedule\'s name.';
  static override examples = ['<%= config.bin %> schedule run heartbeat', '<%= config.bin %> schedule run heartbeat --json'];
  static override args = { name: Args.string({ description: 'schedule name', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ScheduleRun);
    const config = this.loadRuntimeConfig();
    const runtime = await Runtime.start(config, { log: createLogger(config.logLevel, 'stderr') });
    try {
      const job = await runtime.schedules.runNow(args.name);
      this.output(flags.json, job, () => this.log(job.id));
    } finally {
      await runtime.close();
    }
  }
}
