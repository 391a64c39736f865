import { escapeIdentifier } from 'pg';
import type pg from 'pg';
import { PluginError } from './plugin-error.js';

export interface JobsInUse {
  type: string;
  status: string;
  count: number;
}

/** Statuses of jobs that a worker will still run: their processor must stay installed. */
export const UNFINISHED_STATUSES = ['waiting', 'delayed', 'active'] as const;

/** Unfinished jobs of these types in the record, per type and status; none when the record does not exist yet. */
export async function jobsInUse(pool: pg.Pool, schema: string, types: string[]): Promise<JobsInUse[]> {
  if (types.length === 0) return [];
  try {
    const { rows } = await pool.query<JobsInUse>(
      `SELECT type, status, count(*)::int AS count FROM ${escapeIdentifier(schema)}.jobs
       WHERE type = ANY($1::text[]) AND status = ANY($2::text[]) GROUP BY type, status ORDER BY type, status`,
      [types, UNFINISHED_STATUSES],
    );
    return rows;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42P01' || code === '3F000') return []; // no record yet: no jobs
    throw new PluginError(
      'RECORD_UNAVAILABLE',
      `cannot check the record for unfinished jobs of ${types.join(', ')} (${(error as Error).message}): ` +
        'start the database and try again, or use --force to uninstall without checking',
      { cause: error },
    );
  }
}
