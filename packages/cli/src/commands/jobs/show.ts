import { Args } from '@oclif/core';
import { getJobRecord, isUuid, JobsError } from '@nself-jobs/runtime';
import { BaseCommand } from '../../base-command.js';
import { renderJobDetail } from '../../ops/job-views.js';
import { withRuntime } from '../../ops/open-runtime.js';

export default class JobsShow extends BaseCommand {
  static override summary = 'Show a job: its fields, result, and every failed attempt with its error';
  static override examples = ['<%= config.bin %> jobs show 6f1c3a52-d9e8-4b0f-9a7e-2c41b5d3e806', '<%= config.bin %> jobs show <id> --json'];
  static override args = { id: Args.string({ description: 'job id (UUID)', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(JobsShow);
    if (!isUuid(args.id)) throw new JobsError('OPTIONS_INVALID', `job id must be a UUID, got ${JSON.stringify(args.id)}`);
    await withRuntime(this.loadRuntimeConfig(), async (runtime) => {
      const job = await getJobRecord(runtime.pool, runtime.quotedSchema, args.id);
      if (!job) throw new JobsError('JOB_NOT_FOUND', `no job with id ${args.id}`);
      this.output(flags.json, job, () => this.log(renderJobDetail(job)));
    });
  }
}
