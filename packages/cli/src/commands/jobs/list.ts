import { Flags } from '@oclif/core';
import { decodeJobCursor, JOB_STATUSES, JobsError, listJobRecords, type JobStatus } from '@nself-jobs/runtime';
import { BaseCommand } from '../../base-command.js';
import { renderJobList } from '../../ops/job-views.js';
import { withRuntime } from '../../ops/open-runtime.js';

export default class JobsList extends BaseCommand {
  static override summary = 'List jobs from the record, newest first';
  static override description = 'The same filters and pages as GET /api/jobs: --status, --type, --queue, --limit (1 to 200) and --cursor (printed after a full page).';
  static override examples = [
    '<%= config.bin %> jobs list',
    '<%= config.bin %> jobs list --status failed --type http-request',
    '<%= config.bin %> jobs list --queue default --limit 200 --json',
  ];

  static override flags = {
    status: Flags.string({ char: 's', description: 'only jobs in this status', options: [...JOB_STATUSES] }),
    type: Flags.string({ description: 'only jobs of this type' }),
    queue: Flags.string({ char: 'q', description: 'only jobs of this queue' }),
    limit: Flags.integer({ char: 'l', description: 'jobs per page', default: 50, min: 1, max: 200 }),
    cursor: Flags.string({ description: 'the next page: the cursor a previous page printed' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(JobsList);
    const cursor = flags.cursor === undefined ? undefined : decodeJobCursor(flags.cursor);
    if (flags.cursor !== undefined && !cursor) throw new JobsError('OPTIONS_INVALID', '--cursor is not a cursor this command printed');
    await withRuntime(this.loadRuntimeConfig(), async (runtime) => {
      const page = await listJobRecords(runtime.pool, runtime.quotedSchema, {
        status: flags.status as JobStatus | undefined, type: flags.type, queue: flags.queue, limit: flags.limit, cursor,
      });
      this.output(flags.json, page, () => {
        this.log(page.jobs.length === 0 ? 'no jobs' : renderJobList(page.jobs));
        if (page.nextCursor) process.stderr.write(`more: --cursor ${page.nextCursor}\n`);
      });
    });
  }
}
