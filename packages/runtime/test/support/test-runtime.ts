import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase, testRedisUrl, uniquePrefix } from '@nself-jobs/test-helpers';
import { loadConfig, type RuntimeConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/logger.js';
import { Runtime, type RuntimeOptions } from '../../src/runtime.js';
import { isUuid } from '../../src/record/record-id.js';

export const TEST_KIT_DIR = fileURLToPath(new URL('../fixtures/processors/test-kit', import.meta.url));

/** A configuration pointing at the shared test Redis, a fresh database and the test-kit processors. */
export async function testConfig(env: Record<string, string> = {}): Promise<RuntimeConfig> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'nself-jobs-rt-'));
  return loadConfig({
    cwd,
    env: {
      JOBS_REDIS_URL: testRedisUrl(),
      DATABASE_URL: await createTestDatabase('rt'),
      JOBS_QUEUE_PREFIX: uniquePrefix(),
      JOBS_PROCESSOR_PATHS: TEST_KIT_DIR,
      JOBS_RETRY_DELAY: '50',
      LOG_LEVEL: 'silent',
      ...env,
    },
  });
}

export async function startTestRuntime(env: Record<string, string> = {}, options: RuntimeOptions = {}): Promise<Runtime> {
  return Runtime.start(await testConfig(env), { log: silentLogger(), recorder: { flushIntervalMs: 10, activeRowDelayMs: 0 }, ...options });
}

export interface JobRow {
  id: string; type: string; queue: string; status: string; priority: string; payload: unknown;
  attempts_made: number; max_attempts: number; started_at: Date | null; completed_at: Date | null; last_error: string | null;
  result: unknown; duration_ms: number | null;
}

export async function jobRow(pool: pg.Pool, id: string): Promise<JobRow | undefined> {
  const { rows } = await pool.query<JobRow>(
    `SELECT j.*, r.result, r.duration_ms FROM jobs j LEFT JOIN job_results r ON r.job_id = j.id
     WHERE ${isUuid(id) ? 'j.id = $1::uuid' : 'j.backend_id = $1'}`, [id]);
  return rows[0];
}

/** By record id, or by BullMQ id for jobs added to BullMQ directly. */
export async function failureRows(pool: pg.Pool, id: string): Promise<Array<{ attempt_number: number; error_message: string; error_code: string | null; stack: string | null }>> {
  const { rows } = await pool.query(`SELECT f.* FROM job_failures f JOIN jobs j ON j.id = f.job_id
     WHERE ${isUuid(id) ? 'j.id = $1::uuid' : 'j.backend_id = $1'} ORDER BY attempt_number`, [id]);
  return rows;
}
