import { Args } from '@oclif/core';
import { createLogger, formatLocalTime, Runtime } from '@nself-jobs/runtime';
import { BaseCommand } from '../../base-command.js';

export default class ScheduleEnable extends BaseCommand {
  static override summary = 'Enable a schedule: it runs again from its next occurrence';
  static override description = 'The next run is computed from now: occurrences while it was disabled are not caught up.';
  static override examples = ['<%= config.bin %> schedule enable heartbeat'];
  static override args = { name: Args.string({ description: 'schedule name', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ScheduleEnable);
    const config = this.loadRuntimeConfig();
    const runtime = await Runtime.start(config, { log: createLogger(config.logLevel, 'stderr') });
    try {
      const schedule = await runtime.schedules.setEnabled(args.name, true);
      this.output(flags.json, schedule, () => this.log(`enabled ${schedule.name}; next run: ${formatLocalTime(schedule.nextRunAt!, schedule.timezone)}`));
    } finally {
      await runtime.close();
    }
  }
}
