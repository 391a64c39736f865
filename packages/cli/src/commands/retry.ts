import { Flags } from '@oclif/core';
import {
  getJobRecord, isJobsError, isUuid, JobsError, RETRYABLE_STATUSES, type RetryCandidate, type RetryOutcome, type Runtime,
} from '@nself-jobs/runtime';
import { BaseCommand, EXIT } from '../base-command.js';
import { renderRetryCandidates } from '../ops/job-views.js';
import { withRuntime } from '../ops/open-runtime.js';

interface Refused {
  id: string;
  code: string;
  message: string;
}

export default class Retry extends BaseCommand {
  static override summary = 'Run failed jobs again (dead letters), or list them with --show';
  static override description = `Picks failed jobs from the record (most recently failed first; --queue, --type, --limit) or one job by --id
(failed or cancelled), and puts each back into its queue: a job the queue backend still holds runs again with its attempts
going on (one more attempt); one the backend no longer holds is queued again from the record with the same id and payload
and fresh attempts. The record shows it waiting again, then the new attempt. --show lists what would be retried and changes nothing.
Exits 0 when every job was retried, 1 when some were refused (each is named on stderr), 2 when --id names a job that cannot be retried.`;

  static override examples = [
    '<%= config.bin %> retry --show',
    '<%= config.bin %> retry --type http-request --limit 50',
    '<%= config.bin %> retry --id 6f1c3a52-d9e8-4b0f-9a7e-2c41b5d3e806',
  ];

  static override flags = {
    queue: Flags.string({ char: 'q', description: 'only failed jobs of this queue' }),
    type: Flags.string({ description: 'only failed jobs of this type' }),
    id: Flags.string({ description: 'retry this one job (UUID); failed or cancelled', exclusive: ['queue', 'type'] }),
    limit: Flags.integer({ char: 'l', description: 'at most this many jobs', default: 10, min: 1, max: 1000 }),
    show: Flags.boolean({ description: 'list what would be retried; change nothing', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Retry);
    await withRuntime(this.loadRuntimeConfig(), async (runtime) => {
      if (flags.id && !flags.show) {
        const outcome = await runtime.operations.retry(flags.id); // a refusal is the command's error (exit 2)
        this.output(flags.json, { retried: [outcome], refused: [] }, () => this.log(describe(outcome)));
        return;
      }
      const candidates = flags.id ? await oneCandidate(runtime, flags.id) : await runtime.operations.retryCandidates({ queue: flags.queue, type: flags.type, limit: flags.limit });
      if (flags.show) {
        this.output(flags.json, { jobs: candidates }, () => this.log(candidates.length === 0 ? 'no failed jobs to retry' : renderRetryCandidates(candidates)));
        return;
      }
      const { retried, refused } = await retryAll(runtime, candidates);
      this.output(flags.json, { retried, refused }, () => {
        for (const outcome of retried) this.log(describe(outcome));
        if (candidates.length === 0) this.log('no failed jobs to retry');
      });
      for (const r of refused) process.stderr.write(`not retried ${r.id}: ${r.message}\n`);
      if (refused.length > 0) this.exit(EXIT.failure);
    });
  }
}

async function retryAll(runtime: Runtime, candidates: RetryCandidate[]): Promise<{ retried: RetryOutcome[]; refused: Refused[] }> {
  const retried: RetryOutcome[] = [];
  const refused: Refused[] = [];
  for (const job of candidates) {
    try {
      retried.push(await runtime.operations.retry(job.id));
    } catch (error) {
      if (!isJobsError(error) || error.code === 'BACKEND_UNAVAILABLE' || error.code === 'DATABASE_UNAVAILABLE') throw error;
      refused.push({ id: job.id, code: error.code, message: error.message });
    }
  }
  return { retried, refused };
}

/** --show --id: the job as a candidate when it can be retried, nothing otherwise (--show never fails on state). */
async function oneCandidate(runtime: Runtime, id: string): Promise<RetryCandidate[]> {
  if (!isUuid(id)) throw new JobsError('OPTIONS_INVALID', `--id must be a UUID, got ${JSON.stringify(id)}`);
  const job = await getJobRecord(runtime.pool, runtime.quotedSchema, id);
  if (!job) throw new JobsError('JOB_NOT_FOUND', `no job with id ${id}`);
  if (!(RETRYABLE_STATUSES as readonly string[]).includes(job.status)) return [];
  return [{
    id: job.id, type: job.type, queue: job.queue, status: job.status, attempts_made: job.attempts_made, max_attempts: job.max_attempts,
    failed_at: job.completed_at, last_error: job.last_error, failures: job.failures.length,
  }];
}

function describe(outcome: RetryOutcome): string {
  const how = outcome.outcome === 'retried' ? 'running again' : 're-created from the record (the queue no longer had it)';
  return `retried ${outcome.id} (${outcome.type}, queue ${outcome.queue}): ${how}`;
}
