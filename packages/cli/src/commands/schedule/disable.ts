import { Args } from '@oclif/core';
import { createLogger, Runtime } from '@nself-jobs/runtime';
import { BaseCommand } from '../../base-command.js';

export default class ScheduleDisable extends BaseCommand {
  static override summary = 'Disable a schedule: no more jobs until it is enabled again';
  static override description = 'Jobs it already enqueued still run; `schedule run` still works.';
  static override examples = ['<%= config.bin %> schedule disable heartbeat'];
  static override args = { name: Args.string({ description: 'schedule name', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ScheduleDisable);
    const config = this.loadRuntimeConfig();
    const runtime = await Runtime.start(config, { log: createLogger(config.logLevel, 'stderr') });
    try {
      const schedule = await runtime.schedules.setEnabled(args.name, false);
      this.output(flags.json, schedule, () => this.log(`disabled ${schedule.name}`));
    } finally {
      await runtime.close();
    }
  }
}
