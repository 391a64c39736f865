import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { withRuntime } from '../ops/open-runtime.js';
import { renderStats, statsReport } from '../ops/stats-report.js';
import { watchLoop } from '../ops/watch-loop.js';

export default class Stats extends BaseCommand {
  static override summary = 'Show what the queues hold now and how jobs went over the last hours';
  static override description = `Counts of waiting, active, delayed, completed and failed jobs come from the queue backend (what is really there now);
jobs per status over --time hours come from the PostgreSQL record. --performance adds, per job type: count, failure rate
(failed / finished), p50, p95 and max duration of completed runs, and throughput (completed jobs per minute over the window).
--watch redraws every --interval seconds until Ctrl-C (with --json: one JSON document per line).`;

  static override examples = [
    '<%= config.bin %> stats',
    '<%= config.bin %> stats --performance --time 1',
    '<%= config.bin %> stats --queue default --watch',
    '<%= config.bin %> stats --performance --json',
  ];

  static override flags = {
    queue: Flags.string({ char: 'q', description: 'only this queue' }),
    time: Flags.integer({ char: 't', description: 'hours of history from the record', default: 24, min: 1, max: 8760 }),
    performance: Flags.boolean({ char: 'p', description: 'per job type: count, failure rate, p50/p95/max duration, throughput', default: false }),
    watch: Flags.boolean({ char: 'w', description: 'redraw every --interval seconds until Ctrl-C', default: false }),
    interval: Flags.integer({ description: 'seconds between redraws with --watch', default: 2, min: 1, max: 3600 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Stats);
    const options = { hours: flags.time, queue: flags.queue, performance: flags.performance };
    await withRuntime(this.loadRuntimeConfig(), async (runtime) => {
      const draw = async (watching: boolean) => {
        const report = await statsReport(runtime, options);
        if (flags.json) {
          this.log(watching ? JSON.stringify(report) : JSON.stringify(report, null, 2));
          return;
        }
        const text = renderStats(report);
        if (!watching) {
          this.log(text);
          return;
        }
        const clear = process.stdout.isTTY ? '\u001b[2J\u001b[H' : '';
        process.stdout.write(`${clear}jobs stats at ${report.at} (every ${flags.interval} s; Ctrl-C to stop)\n\n${text}\n\n`);
      };
      if (flags.watch) await watchLoop(flags.interval * 1000, () => draw(true));
      else await draw(false);
    });
  }
}
