import { Args } from '@oclif/core';
import { createLogger, Runtime } from '@nself-jobs/runtime';
import { BaseCommand } from '../../base-command.js';

export default class ScheduleDelete extends BaseCommand {
  static override summary = 'Delete a schedule';
  static override description = 'The jobs it created stay in the record, with its name (scheduled_jobs_overview no longer lists it).';
  static override examples = ['<%= config.bin %> schedule delete heartbeat'];
  static override args = { name: Args.string({ description: 'schedule name', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ScheduleDelete);
    const config = this.loadRuntimeConfig();
    const runtime = await Runtime.start(config, { log: createLogger(config.logLevel, 'stderr') });
    try {
      const schedule = await runtime.schedules.delete(args.name);
      this.output(flags.json, schedule, () => this.log(`deleted ${schedule.name} (its ${schedule.runCount} job(s) stay in the record)`));
    } finally {
      await runtime.close();
    }
  }
}
