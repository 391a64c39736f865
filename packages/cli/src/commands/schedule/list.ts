import { createLogger, formatLocalTime, Runtime, type Schedule } from '@nself-jobs/runtime';
import { BaseCommand } from '../../base-command.js';

export default class ScheduleList extends BaseCommand {
  static override summary = 'List cron schedules with their next and last runs';
  static override description = 'Times are shown in each schedule\'s own time zone; --json gives them as ISO 8601 UTC.';
  static override examples = ['<%= config.bin %> schedule list', '<%= config.bin %> schedule list --json'];

  async run(): Promise<void> {
    const { flags } = await this.parse(ScheduleList);
    const config = this.loadRuntimeConfig();
    const runtime = await Runtime.start(config, { log: createLogger(config.logLevel, 'stderr') });
    try {
      const schedules = await runtime.schedules.list();
      this.output(flags.json, schedules, () => {
        if (schedules.length === 0) this.log('no schedules (create one with `jobs schedule create`)');
        else this.log(table(schedules));
      });
    } finally {
      await runtime.close();
    }
  }
}

function table(schedules: Schedule[]): string {
  const header = ['NAME', 'TYPE', 'CRON', 'TIME ZONE', 'ENABLED', 'MISSED', 'NEXT RUN', 'LAST RUN', 'RUNS'];
  const rows = schedules.map((s) => [
    s.name, s.type, s.cron, s.timezone, s.enabled ? 'yes' : 'no', s.missedPolicy,
    s.nextRunAt ? formatLocalTime(s.nextRunAt, s.timezone) : '-', s.lastRunAt ? formatLocalTime(s.lastRunAt, s.timezone) : '-', String(s.runCount),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
