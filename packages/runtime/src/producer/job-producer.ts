import pg from 'pg';
import type { Queue } from 'bullmq';
import type { RuntimeConfig } from '../config/index.js';
import type { ProcessorRegistry } from '../registry/index.js';
import { JobsError } from '../errors.js';
import { wrapJobData } from '../job-envelope.js';
import { backendJobOptions } from '../backend/backend-job-options.js';
import type { EnqueueRequest } from './enqueue-request.js';
import { prepareJob, type PreparedJob } from './prepare-job.js';

export interface EnqueuedJob {
  id: string;
  type: string;
  queue: string;
  status: 'waiting' | 'delayed' | string;
  /** True when an earlier job with the same idempotency key was returned instead. */
  existing: boolean;
}

export const MAX_BULK = 1000;

/**
 * Records a job, then queues it: the record row exists before any worker can see
 * the job, and if queueing fails the row is removed again, so a failed request
 * leaves nothing behind in either store.
 */
export class JobProducer {
  private readonly insertSql: string;

  constructor(
    private readonly deps: { pool: pg.Pool; quotedSchema: string; registry: ProcessorRegistry; config: RuntimeConfig; queue(name: string): Queue;
      ensureBackendReady(): Promise<void>;
      /** Told about the jobs that went into the backend (metrics). */
      onQueued?(jobs: ReadonlyArray<{ queue: string; type: string }>): void },
  ) {
    this.insertSql = insertSql(deps.quotedSchema);
  }

  async enqueue(request: EnqueueRequest, scheduleName?: string): Promise<EnqueuedJob> {
    const [job] = await this.enqueueMany([request], scheduleName);
    return job;
  }

  /** All requests are validated before anything is written; then recorded and queued together. */
  async enqueueMany(requests: EnqueueRequest[], scheduleName?: string): Promise<EnqueuedJob[]> {
    if (requests.length > MAX_BULK) {
      throw new JobsError('OPTIONS_INVALID', `at most ${MAX_BULK} jobs per request, got ${requests.length}`, [{ path: '/jobs', message: `must have at most ${MAX_BULK} items` }]);
    }
    const prepared: PreparedJob[] = [];
    const problems: Array<{ index: number; code: string; message: string; details: unknown }> = [];
    requests.forEach((request, index) => {
      try {
        prepared.push(prepareJob(request, this.deps.registry, this.deps.config, scheduleName));
      } catch (error) {
        if (!(error instanceof JobsError)) throw error;
        problems.push({ index, code: error.code, message: error.message, details: error.details });
      }
    });
    if (problems.length > 0) {
      if (requests.length === 1) {
        throw new JobsError(problems[0].code as JobsError['code'], problems[0].message, problems[0].details);
      }
      throw new JobsError('PAYLOAD_INVALID', `${problems.length} of ${requests.length} jobs are invalid; nothing was enqueued`, problems);
    }
    return this.recordAndQueue(prepared);
  }

  private async recordAndQueue(prepared: PreparedJob[]): Promise<EnqueuedJob[]> {
    try {
      await this.deps.ensureBackendReady();
    } catch (error) {
      throw new JobsError('BACKEND_UNAVAILABLE', `could not queue the job: ${(error as Error).message}`);
    }
    const inserted = await this.insertRecords(prepared);
    const existing = await this.findExisting(prepared.filter((p) => !inserted.has(p.id)));
    const fresh = prepared.filter((p) => inserted.has(p.id));
    try {
      await this.addToBackend(fresh);
    } catch (error) {
      await this.deps.pool.query(`DELETE FROM ${this.deps.quotedSchema}.jobs WHERE id = ANY($1::uuid[])`, [fresh.map((p) => p.id)])
        .catch(() => { /* the original error matters more; reconcile removes orphans */ });
      throw new JobsError('BACKEND_UNAVAILABLE', `could not queue the job: ${(error as Error).message}`);
    }
    if (fresh.length > 0) this.deps.onQueued?.(fresh);
    return prepared.map((p) => existing.get(p.id) ?? { id: p.id, type: p.type, queue: p.queue, status: p.status, existing: false });
  }

  /** Inserts the rows; returns the ids actually inserted (an idempotency key already used skips its row). */
  private async insertRecords(prepared: PreparedJob[]): Promise<Set<string>> {
    const rows = prepared.map((p) => ({
      id: p.id, backend_id: p.id, type: p.type, queue: p.queue, status: p.status, priority: p.priority, payload: p.payload,
      max_attempts: p.attempts, timeout_ms: p.timeout, delay_ms: p.delay || null, idempotency_key: p.idempotencyKey,
      schedule_name: p.scheduleName, run_at: p.delay ? new Date(Date.now() + p.delay).toISOString() : null,
    }));
    try {
      const { rows: ids } = await this.deps.pool.query<{ id: string }>(this.insertSql, [JSON.stringify(rows)]);
      return new Set(ids.map((r) => r.id));
    } catch (error) {
      if (error instanceof RangeError) {
        // JSON.stringify ran out of stack: the payload nests deeper than anyone needs.
        throw new JobsError('PAYLOAD_INVALID', 'payload is nested too deeply to store', [{ path: '/payload', message: 'is nested too deeply' }]);
      }
      const code = (error as { code?: string }).code;
      if (code === '22P05' || code === '22021') {
        throw new JobsError('PAYLOAD_INVALID', 'payload contains a character PostgreSQL cannot store (U+0000)', [{ path: '/payload', message: 'must not contain U+0000' }]);
      }
      throw new JobsError('DATABASE_UNAVAILABLE', `could not record the job: ${(error as Error).message}`);
    }
  }

  /** For requests whose idempotency key was used before: the first job, flagged as existing. */
  private async findExisting(skipped: PreparedJob[]): Promise<Map<string, EnqueuedJob>> {
    const found = new Map<string, EnqueuedJob>();
    if (skipped.length === 0) return found;
    const { rows } = await this.deps.pool.query<{ id: string; type: string; queue: string; status: string; idempotency_key: string }>(
      `SELECT id, type, queue, status, idempotency_key FROM ${this.deps.quotedSchema}.jobs WHERE idempotency_key = ANY($1::text[])`,
      [skipped.map((p) => p.idempotencyKey)],
    );
    const byKey = new Map(rows.map((r) => [r.idempotency_key, r]));
    for (const p of skipped) {
      const row = byKey.get(p.idempotencyKey!);
      if (row) found.set(p.id, { id: row.id, type: row.type, queue: row.queue, status: row.status, existing: true });
    }
    return found;
  }

  private async addToBackend(prepared: PreparedJob[]): Promise<void> {
    const byQueue = new Map<string, PreparedJob[]>();
    for (const p of prepared) byQueue.set(p.queue, [...(byQueue.get(p.queue) ?? []), p]);
    const added: Array<{ queue: Queue; id: string }> = [];
    try {
      for (const [name, jobs] of byQueue) {
        const queue = this.deps.queue(name);
        await queue.addBulk(jobs.map((p) => ({ name: p.type, data: wrapJobData({ payload: p.payload, priority: p.priority, timeout: p.timeout, scheduleName: p.scheduleName ?? undefined }), opts: backendJobOptions(p, this.deps.config) })));
        added.push(...jobs.map((p) => ({ queue, id: p.id })));
      }
    } catch (error) {
      // Jobs of earlier queues in this batch went in: take them out again.
      await Promise.allSettled(added.map(({ queue, id }) => queue.remove(id)));
      throw error;
    }
  }
}

function insertSql(q: string): string {
  return `
INSERT INTO ${q}.jobs (id, backend_id, type, queue, status, priority, payload, max_attempts, timeout_ms, delay_ms,
  idempotency_key, schedule_name, run_at)
SELECT id, backend_id, type, queue, status, priority, COALESCE(payload, '{}'::jsonb), max_attempts, timeout_ms, delay_ms,
  idempotency_key, schedule_name, run_at
FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, backend_id text, type text, queue text, status text, priority text, payload jsonb,
  max_attempts integer, timeout_ms integer, delay_ms integer, idempotency_key text, schedule_name text, run_at timestamptz)
ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
RETURNING id`;
}
