import { decodeJobCursor, JOB_STATUSES, type JobListFilter, type JobStatus } from '@nself-jobs/runtime';
import { parameterError, type Problem } from '../api-error.js';

type Query = Record<string, string | string[] | undefined>;

export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

/**
 * Reads the query string against the parameters a route accepts: an unknown or repeated
 * parameter is a problem; an empty value counts as not given (?status=&type= lists everything).
 */
function readQuery(query: Query, allowed: string[], problems: Problem[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (!allowed.includes(name)) problems.push({ path: name, message: `unknown parameter (allowed: ${allowed.join(', ')})` });
    else if (Array.isArray(value)) problems.push({ path: name, message: 'must be given once' });
    else if (value !== undefined && value !== '') values[name] = value;
  }
  return values;
}

function integerIn(value: string | undefined, name: string, min: number, max: number, fallback: number, problems: Problem[]): number {
  if (value === undefined) return fallback;
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) problems.push({ path: name, message: `must be an integer from ${min} to ${max}` });
  return n;
}

/** GET /api/jobs?status=&type=&queue=&limit=&cursor= */
export function listFilterOf(query: Query): JobListFilter {
  const problems: Problem[] = [];
  const q = readQuery(query, ['status', 'type', 'queue', 'limit', 'cursor'], problems);
  if (q.status !== undefined && !JOB_STATUSES.includes(q.status as JobStatus)) {
    problems.push({ path: 'status', message: `must be one of ${JOB_STATUSES.join(', ')}` });
  }
  for (const name of ['type', 'queue'] as const) {
    if (q[name] !== undefined && q[name].length > 200) problems.push({ path: name, message: 'must be at most 200 characters' });
  }
  const limit = integerIn(q.limit, 'limit', 1, MAX_PAGE, DEFAULT_PAGE, problems);
  const cursor = q.cursor === undefined ? undefined : decodeJobCursor(q.cursor);
  if (q.cursor !== undefined && !cursor) problems.push({ path: 'cursor', message: 'is not a cursor this API returned (use nextCursor as is)' });
  if (problems.length > 0) throw parameterError(problems);
  return { status: q.status as JobStatus | undefined, type: q.type, queue: q.queue, limit, cursor };
}

/** GET /api/stats?hours= (1 to 8760, default 24). */
export function statsHoursOf(query: Query): number {
  const problems: Problem[] = [];
  const q = readQuery(query, ['hours'], problems);
  const hours = integerIn(q.hours, 'hours', 1, 8760, 24, problems);
  if (problems.length > 0) throw parameterError(problems);
  return hours;
}
