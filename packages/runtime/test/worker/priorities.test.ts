import { expect } from 'chai';
import { waitFor } from '@nself-jobs/test-helpers';
import { PRIORITY_NAMES, type PriorityName } from '@nself-jobs/sdk';
import type { Runtime } from '../../src/runtime.js';
import type { EnqueueRequest } from '../../src/producer/enqueue-request.js';
import { jobRow, startTestRuntime } from '../support/test-runtime.js';

/** critical = 0 ... low = 3: lower runs first. */
const rank = (name: string) => PRIORITY_NAMES.indexOf(name as PriorityName);

/** A deterministic shuffle (seeded), so a failure can be reproduced. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

interface RunRow { id: string; priority: string; status: string; started_at: Date; completed_at: Date; tag: number }

describe('worker priorities: critical > high > normal > low whatever the mix (real Redis)', () => {
  let runtime: Runtime;

  beforeEach(async () => {
    runtime = await startTestRuntime();
  });
  afterEach(() => runtime?.close(1000));

  /** Rows of these jobs, once all of them are completed, in the order they started. */
  async function runOrder(ids: string[]): Promise<RunRow[]> {
    return waitFor(async () => {
      const { rows } = await runtime.pool.query<RunRow>(
        `SELECT id, priority, status, started_at, completed_at, (payload->>'tag')::int AS tag FROM jobs
         WHERE id = ANY($1::uuid[]) ORDER BY started_at, completed_at`, [ids]);
      return rows.length === ids.length && rows.every((r) => r.status === 'completed') ? rows : undefined;
    }, `${ids.length} jobs to complete`);
  }

  /**
   * Enqueues `requests` while the queue is paused, starts one worker at concurrency 1,
   * resumes, and returns the rows in the order the jobs ran.
   */
  async function runPausedThenResumed(requests: EnqueueRequest[]): Promise<RunRow[]> {
    const queue = runtime.queue('default');
    await queue.pause();
    const jobs = [];
    for (const request of requests) jobs.push(await runtime.producer.enqueue(request));
    await runtime.startWorkers({ queues: ['default'], concurrency: 1 });
    // Paused: nothing may start before the resume.
    await new Promise((r) => setTimeout(r, 150));
    const { rows: early } = await runtime.pool.query(`SELECT count(*)::int AS n FROM jobs WHERE started_at IS NOT NULL`);
    expect(early[0].n, 'jobs started while the queue was paused').to.equal(0);
    await queue.resume();
    return runOrder(jobs.map((j) => j.id));
  }

  it('runs a shuffled mix of 3 of each level (some with delay 0) strictly by priority', async () => {
    // 3 of each, interleaved, the lowest first and the highest last; sleep 15 ms so that
    // no two jobs start in the same millisecond (started_at has millisecond precision).
    const levels: PriorityName[] = ['low', 'normal', 'high', 'low', 'critical', 'normal', 'high', 'low', 'normal', 'critical', 'high', 'critical'];
    const requests: EnqueueRequest[] = levels.map((priority, tag) => ({
      type: 'sleep',
      payload: { ms: 15 },
      options: tag % 3 === 0 ? { priority, delay: 0 } : { priority },
    }));
    // The sleep schema refuses extra properties: identify jobs by their id order instead.
    const enqueued: string[] = [];
    const queue = runtime.queue('default');
    await queue.pause();
    for (const request of requests) enqueued.push((await runtime.producer.enqueue(request)).id);
    await runtime.startWorkers({ queues: ['default'], concurrency: 1 });
    await new Promise((r) => setTimeout(r, 150));
    expect((await jobRow(runtime.pool, enqueued[0]))?.started_at, 'started while paused').to.equal(null);
    await queue.resume();
    const rows = await runOrder(enqueued);

    const startedOrder = rows.map((r) => r.priority);
    expect(startedOrder).to.deep.equal(PRIORITY_NAMES.flatMap((p) => [p, p, p]));
    // At concurrency 1 every job starts after the previous one finished: no ties, same order by completion.
    for (let i = 1; i < rows.length; i += 1) {
      expect(rows[i].started_at.getTime(), `job ${i} started after job ${i - 1}`).to.be.greaterThan(rows[i - 1].started_at.getTime());
      expect(rows[i].started_at.getTime()).to.be.at.least(rows[i - 1].completed_at.getTime());
    }
    const completedOrder = [...rows].sort((a, b) => a.completed_at.getTime() - b.completed_at.getTime()).map((r) => r.priority);
    expect(completedOrder).to.deep.equal(startedOrder);
    // Within one level, first in first out.
    for (const level of PRIORITY_NAMES) {
      const ids = rows.filter((r) => r.priority === level).map((r) => r.id);
      const enqueuedOrder = enqueued.filter((id) => ids.includes(id));
      expect(ids, `${level} jobs in enqueue order`).to.deep.equal(enqueuedOrder);
    }
  });

  it('keeps the order for a larger mix of echo jobs, with and without an explicit priority', async () => {
    // 40 echo jobs; a quarter give no priority (they must count as `normal`).
    const levels = shuffled(Array.from({ length: 40 }, (_, i) => (i % 5 === 4 ? undefined : PRIORITY_NAMES[i % 4])), 7);
    const requests: EnqueueRequest[] = levels.map((priority, tag) => ({
      type: 'echo',
      payload: { tag },
      options: priority ? { priority, ...(tag % 2 ? { delay: 0 } : {}) } : {},
    }));
    const rows = await runPausedThenResumed(requests);
    expect(rows.filter((r) => levels[r.tag] === undefined).every((r) => r.priority === 'normal')).to.equal(true);
    // Echo jobs may start within the same millisecond: check every strictly ordered pair.
    for (let i = 0; i < rows.length; i += 1) {
      for (let j = i + 1; j < rows.length; j += 1) {
        if (rows[i].started_at.getTime() < rows[j].started_at.getTime()) {
          expect(rank(rows[i].priority), `${rows[i].priority} (tag ${rows[i].tag}) ran before ${rows[j].priority} (tag ${rows[j].tag})`)
            .to.be.at.most(rank(rows[j].priority));
        }
      }
    }
    // And the BullMQ completion order (the backend's own record) agrees.
    const completed = await runtime.queue('default').getJobs(['completed'], 0, -1, true);
    expect(completed).to.have.length(40);
    const byFinish = [...completed].sort((a, b) => (a.finishedOn! - b.finishedOn!) || (a.processedOn! - b.processedOn!));
    const backendLevels = byFinish.map((job) => rows.find((r) => r.id === job.id)!.priority);
    for (let i = 1; i < byFinish.length; i += 1) {
      if (byFinish[i - 1].finishedOn! < byFinish[i].finishedOn!) {
        expect(rank(backendLevels[i - 1])).to.be.at.most(rank(backendLevels[i]));
      }
    }
  });

  it('runs due delayed jobs by priority too, once the queue resumes', async () => {
    const queue = runtime.queue('default');
    await queue.pause();
    const low = await runtime.producer.enqueue({ type: 'sleep', payload: { ms: 15 }, options: { priority: 'low' } });
    const criticalDelayed = await runtime.producer.enqueue({ type: 'sleep', payload: { ms: 15 }, options: { priority: 'critical', delay: 50 } });
    const normal = await runtime.producer.enqueue({ type: 'sleep', payload: { ms: 15 } });
    const highDelayed = await runtime.producer.enqueue({ type: 'sleep', payload: { ms: 15 }, options: { priority: 'high', delay: 50 } });
    expect(criticalDelayed.status).to.equal('delayed');
    await runtime.startWorkers({ queues: ['default'], concurrency: 1 });
    // Both delays are long over by the time the queue resumes.
    await new Promise((r) => setTimeout(r, 400));
    await queue.resume();
    const rows = await runOrder([low.id, criticalDelayed.id, normal.id, highDelayed.id]);
    expect(rows.map((r) => r.id)).to.deep.equal([criticalDelayed.id, highDelayed.id, normal.id, low.id]);
  });

  it('records `normal` for a job enqueued without a priority', async () => {
    const job = await runtime.producer.enqueue({ type: 'echo', payload: {} });
    const row = await jobRow(runtime.pool, job.id);
    expect(row?.priority).to.equal('normal');
    const backendJob = await runtime.queue('default').getJob(job.id);
    // Every job gets an explicit BullMQ priority (0 would mean "before everything").
    expect(backendJob?.opts.priority).to.be.a('number').and.greaterThan(0);
  });

  it('records `normal` for a job added straight to BullMQ without a priority', async () => {
    await runtime.startWorkers({ queues: ['default'], concurrency: 1 });
    const added = await runtime.queue('default').add('echo', { direct: 'no priority' });
    const row = await waitFor(async () => {
      const r = await jobRow(runtime.pool, String(added.id));
      return r?.status === 'completed' ? r : undefined;
    }, 'the direct job to be recorded as completed');
    expect(row.priority).to.equal('normal');
    expect(row.payload).to.deep.equal({ direct: 'no priority' });
  });

  it('records the named level of a job added straight to BullMQ with a numeric priority', async () => {
    await runtime.startWorkers({ queues: ['default'], concurrency: 1 });
    const queue = runtime.queue('default');
    const critical = await queue.add('echo', { n: 1 }, { priority: 1 });
    const low = await queue.add('echo', { n: 4 }, { priority: 4 });
    const rows = await waitFor(async () => {
      const r = await Promise.all([jobRow(runtime.pool, String(critical.id)), jobRow(runtime.pool, String(low.id))]);
      return r.every((x) => x?.status === 'completed') ? r : undefined;
    }, 'both direct jobs to complete');
    expect(rows.map((r) => r!.priority)).to.deep.equal(['critical', 'low']);
  });
});
