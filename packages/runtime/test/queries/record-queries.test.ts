import { expect } from 'chai';
import pg from 'pg';
import { createTestDatabase } from '@nself-jobs/test-helpers';
import { migrateRecord } from '../../src/db/index.js';
import { decodeJobCursor, encodeJobCursor, getJobRecord, jobTypeStats, listJobRecords } from '../../src/queries/index.js';

const Q = '"public"';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('queries/record-queries: the read side of the record', () => {
  let pool: pg.Pool;

  before(async () => {
    pool = new pg.Pool({ connectionString: await createTestDatabase('record_read') });
    await migrateRecord(pool);
  });
  after(() => pool?.end());
  beforeEach(() => pool.query('TRUNCATE jobs CASCADE'));

  async function insert(n: number, fields: { type?: string; queue?: string; status?: string; created?: string; duration?: number } = {}) {
    await pool.query(
      `INSERT INTO jobs (id, type, queue, status, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6::timestamptz)`,
      [id(n), fields.type ?? 'echo', fields.queue ?? 'default', fields.status ?? 'waiting', { n }, fields.created ?? new Date().toISOString()],
    );
    if (fields.duration !== undefined) {
      await pool.query('INSERT INTO job_results (job_id, result, duration_ms) VALUES ($1, $2, $3)', [id(n), { done: n }, fields.duration]);
    }
  }

  describe('getJobRecord', () => {
    it('returns the row with its result and its failures, oldest first, without stacks', async () => {
      await insert(1, { status: 'completed', duration: 42 });
      await pool.query(
        `INSERT INTO job_failures (job_id, attempt_number, error_message, error_code, stack, failed_at) VALUES
         ($1, 2, 'second', NULL, 'Error: second', '2026-01-01T00:00:02.123456Z'),
         ($1, 1, 'first', 'E_ONE', 'Error: first', '2026-01-01T00:00:01Z')`, [id(1)]);
      const job = await getJobRecord(pool, Q, id(1));
      expect(job).to.include({ id: id(1), type: 'echo', queue: 'default', status: 'completed' });
      expect(job!.payload).to.deep.equal({ n: 1 });
      expect(job!.created_at).to.be.instanceOf(Date);
      expect(job!.result).to.deep.equal({ result: { done: 1 }, duration_ms: 42 });
      expect(job!.failures).to.deep.equal([
        { attempt_number: 1, error_message: 'first', error_code: 'E_ONE', failed_at: '2026-01-01T00:00:01.000Z' },
        { attempt_number: 2, error_message: 'second', error_code: null, failed_at: '2026-01-01T00:00:02.123Z' },
      ]);
    });

    it('has result null and no failures for a job that has not run', async () => {
      await insert(2);
      const job = await getJobRecord(pool, Q, id(2));
      expect(job!.result).to.equal(null);
      expect(job!.failures).to.deep.equal([]);
    });

    it('is undefined for an unknown id', async () => {
      expect(await getJobRecord(pool, Q, id(999))).to.equal(undefined);
    });
  });

  describe('listJobRecords', () => {
    it('pages newest first without skipping or repeating rows created in the same microsecond', async () => {
      const same = '2026-02-01T10:00:00.123456Z';
      for (let n = 1; n <= 7; n += 1) await insert(n, { created: n <= 4 ? same : `2026-02-01T10:00:0${n}.000001Z` });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await listJobRecords(pool, Q, { limit: 3, cursor: cursor ? decodeJobCursor(cursor) : undefined });
        expect(page.jobs.length).to.be.at.most(3);
        seen.push(...page.jobs.map((j) => j.id));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 10);
      expect(pages).to.equal(3);
      // 7, 6, 5 by time, then the four of the same instant by id descending.
      expect(seen).to.deep.equal([id(7), id(6), id(5), id(4), id(3), id(2), id(1)]);
    });

    it('filters by status, type and queue together, and ends with nextCursor null', async () => {
      await insert(1, { type: 'a', queue: 'default', status: 'failed' });
      await insert(2, { type: 'a', queue: 'high-priority', status: 'failed' });
      await insert(3, { type: 'b', queue: 'default', status: 'failed' });
      await insert(4, { type: 'a', queue: 'default', status: 'completed' });
      const page = await listJobRecords(pool, Q, { status: 'failed', type: 'a', queue: 'default', limit: 50 });
      expect(page.jobs.map((j) => j.id)).to.deep.equal([id(1)]);
      expect(page.nextCursor).to.equal(null);
      expect(page.jobs[0]).to.not.have.property('cursor_us');
    });

    it('returns nextCursor null when the last page is exactly full', async () => {
      await insert(1);
      await insert(2);
      expect((await listJobRecords(pool, Q, { limit: 2 })).nextCursor).to.equal(null);
      expect((await listJobRecords(pool, Q, { limit: 1 })).nextCursor).to.be.a('string');
    });
  });

  describe('job cursors', () => {
    it('round-trip and refuse anything they did not make', () => {
      const cursor = { createdAtUs: '1764772800123456', id: id(5) };
      expect(decodeJobCursor(encodeJobCursor(cursor))).to.deep.equal(cursor);
      for (const bad of ['', 'not base64!', Buffer.from('123:nope').toString('base64url'), Buffer.from(`x:${id(1)}`).toString('base64url')]) {
        expect(decodeJobCursor(bad), bad).to.equal(undefined);
      }
    });
  });

  describe('jobTypeStats', () => {
    it('counts per type over the window, with failure rate over finished runs and avg/p95 of durations', async () => {
      const durations = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
      for (const [i, d] of durations.entries()) await insert(i + 1, { type: 'echo', status: 'completed', duration: d });
      await insert(20, { type: 'echo', status: 'failed' });
      await insert(21, { type: 'echo', status: 'waiting' });
      await insert(22, { type: 'sleep', status: 'waiting' });
      await insert(30, { type: 'old', status: 'completed', duration: 5, created: new Date(Date.now() - 3 * 3600_000).toISOString() });
      const stats = await jobTypeStats(pool, Q, 2);
      expect(stats).to.deep.equal([
        // percentile_cont(0.95) over 10..100 = 95.5; failure rate 1 / 11.
        { type: 'echo', total: 12, completed: 10, failed: 1, failureRate: 0.0909, avgDurationMs: 55, p95DurationMs: 95.5 },
        { type: 'sleep', total: 1, completed: 0, failed: 0, failureRate: null, avgDurationMs: null, p95DurationMs: null },
      ]);
      expect((await jobTypeStats(pool, Q, 4)).map((s) => s.type)).to.deep.equal(['echo', 'old', 'sleep']);
    });
  });
});
