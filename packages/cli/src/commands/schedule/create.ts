import { readFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { createLogger, formatLocalTime, MISSED_POLICIES, Runtime, type ScheduleInput } from '@nself-jobs/runtime';
import { PRIORITY_NAMES, type PriorityName } from '@nself-jobs/sdk';
import { BaseCommand, EXIT } from '../../base-command.js';

export default class ScheduleCreate extends BaseCommand {
  static override summary = 'Create a cron schedule that enqueues a job at each occurrence';
  static override description = `The cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first),
and is read in --tz (an IANA name, UTC by default), daylight saving included: a time skipped when clocks go forward runs
once right after the jump, a time repeated when they go back runs once. The payload is checked against the job type's
JSON Schema now; nothing is stored when anything is wrong (exit 2). Workers (\`jobs worker\`, \`jobs dev\`) fire schedules.`;

  static override examples = [
    `<%= config.bin %> schedule create --name heartbeat --type http-request --cron "*/2 * * * * *" --payload '{"url":"http://127.0.0.1:8080/"}'`,
    `<%= config.bin %> schedule create --name nightly-backup --type database-backup --cron "0 3 * * *" --tz Europe/Paris --missed once`,
  ];

  static override flags = {
    name: Flags.string({ char: 'n', description: 'unique name: letters, digits, _ . -', required: true }),
    type: Flags.string({ char: 't', description: 'job type, e.g. http-request', required: true }),
    cron: Flags.string({ char: 'c', description: 'cron expression, 5 fields or 6 with seconds', required: true }),
    tz: Flags.string({ description: 'IANA time zone the expression is read in', default: 'UTC' }),
    payload: Flags.string({ char: 'p', description: 'payload as JSON, or @file to read it from a file', default: '{}' }),
    queue: Flags.string({ char: 'q', description: 'queue (default: the job type\'s own, usually "default")' }),
    priority: Flags.string({ description: 'critical, high, normal or low', options: [...PRIORITY_NAMES] }),
    'max-retries': Flags.integer({ description: 'retries after the first attempt of each job', min: 0 }),
    timeout: Flags.integer({ description: 'milliseconds one attempt may take', min: 1 }),
    desc: Flags.string({ description: 'description' }),
    missed: Flags.string({ description: 'runs missed while no worker ran: skip them, run once, or run all (at most 100)', options: [...MISSED_POLICIES], default: 'skip' }),
    disabled: Flags.boolean({ description: 'create it disabled (enable it later with `schedule enable`)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ScheduleCreate);
    const payload = await readJson(flags.payload);
    if (payload.error) {
      process.stderr.write(`Error: --payload: ${payload.error}\n`);
      this.exit(EXIT.usage);
    }
    const options = Object.fromEntries(Object.entries({
      priority: flags.priority as PriorityName | undefined, maxRetries: flags['max-retries'], timeout: flags.timeout,
    }).filter(([, v]) => v !== undefined));
    const input: ScheduleInput = {
      name: flags.name, type: flags.type, cron: flags.cron, timezone: flags.tz, payload: payload.value, queue: flags.queue,
      options, description: flags.desc ?? null, enabled: !flags.disabled, missedPolicy: flags.missed as ScheduleInput['missedPolicy'],
    };
    const config = this.loadRuntimeConfig();
    const runtime = await Runtime.start(config, { log: createLogger(config.logLevel, 'stderr') });
    try {
      const schedule = await runtime.schedules.create(input);
      this.output(flags.json, schedule, () => {
        this.log(`created schedule ${schedule.name}: ${schedule.type} at "${schedule.cron}" (${schedule.timezone})`);
        this.log(schedule.nextRunAt ? `next run: ${formatLocalTime(schedule.nextRunAt, schedule.timezone)}` : 'disabled: `jobs schedule enable` starts it');
      });
    } finally {
      await runtime.close();
    }
  }
}

async function readJson(raw: string): Promise<{ value?: unknown; error?: string }> {
  let text = raw;
  if (raw.startsWith('@')) {
    try {
      text = await readFile(raw.slice(1), 'utf8');
    } catch (error) {
      return { error: `cannot read ${raw.slice(1)}: ${(error as Error).message}` };
    }
  }
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `not valid JSON (${(error as Error).message})` };
  }
}
