import { Args } from '@oclif/core';
import { createLogger, formatLocalTime, Runtime, type Schedule } from '@nself-jobs/runtime';
import { BaseCommand } from '../../base-command.js';

export default class ScheduleShow extends BaseCommand {
  static override summary = 'Show a schedule and its next five run times';
  static override description = 'The run times are computed exactly as the scheduler will (time zone, daylight saving, day-of-month OR day-of-week).';
  static override examples = ['<%= config.bin %> schedule show heartbeat', '<%= config.bin %> schedule show heartbeat --json'];
  static override args = { name: Args.string({ description: 'schedule name', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ScheduleShow);
    const config = this.loadRuntimeConfig();
    const runtime = await Runtime.start(config, { log: createLogger(config.logLevel, 'stderr') });
    try {
      const schedule = await runtime.schedules.get(args.name);
      const nextRuns = runtime.schedules.nextRuns(schedule, 5);
      this.output(flags.json, { ...schedule, nextRuns }, () => this.log(describe(schedule, nextRuns)));
    } finally {
      await runtime.close();
    }
  }
}

function describe(s: Schedule, nextRuns: string[]): string {
  const local = (iso: string | null) => (iso ? `${formatLocalTime(iso, s.timezone)}  (${iso})` : '-');
  const fields: Array<[string, string]> = [
    ['name', s.name], ['type', s.type], ['queue', s.queue], ['cron', s.cron], ['time zone', s.timezone],
    ['enabled', s.enabled ? 'yes' : 'no'], ['missed runs', s.missedPolicy], ['description', s.description ?? '-'],
    ['payload', JSON.stringify(s.payload)], ['options', JSON.stringify(s.options)], ['runs', String(s.runCount)],
    ['last run', s.lastRunAt ? `${local(s.lastRunAt)}${s.lastJobId ? `  job ${s.lastJobId}` : ''}` : '-'],
    ['created', local(s.createdAt)], ['updated', local(s.updatedAt)],
  ];
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  const title = s.enabled ? 'next runs:' : 'next runs (if enabled now):';
  return [...fields.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}`), title, ...nextRuns.map((iso) => `  ${local(iso)}`)].join('\n');
}
