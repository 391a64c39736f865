import { MAX_BULK, type EnqueueRequest } from '@nself-jobs/runtime';
import { ApiError, type Problem } from '../api-error.js';

const REQUEST_FIELDS = ['type', 'queue', 'payload', 'options'];

/** Problems with the shape of one job request (the runtime checks the values). */
function shapeProblems(value: unknown, at: string): Problem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ path: at || '/', message: 'must be an object' }];
  return Object.keys(value)
    .filter((key) => !REQUEST_FIELDS.includes(key))
    .map((key) => ({ path: `${at}/${key}`, message: `unknown field "${key}" (allowed: ${REQUEST_FIELDS.join(', ')})` }));
}

/** The body of POST /api/jobs, refused (400) when it has fields other than type, queue, payload, options. */
export function enqueueRequestOf(body: unknown): EnqueueRequest {
  const problems = shapeProblems(body, '');
  if (problems.length > 0) throw new ApiError(400, 'BODY_INVALID', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  return body as EnqueueRequest;
}

/** The body of POST /api/jobs/bulk: {"jobs": [1..1000 requests]}; shape problems carry the index of their job. */
export function bulkRequestsOf(body: unknown): EnqueueRequest[] {
  const top = typeof body === 'object' && body !== null && !Array.isArray(body)
    ? Object.keys(body).filter((k) => k !== 'jobs').map((k) => ({ path: `/${k}`, message: `unknown field "${k}" (allowed: jobs)` }))
    : [{ path: '/', message: 'must be an object {"jobs": [...]}' }];
  const jobs = (body as { jobs?: unknown } | null)?.jobs;
  if (top.length === 0 && (!Array.isArray(jobs) || jobs.length < 1 || jobs.length > MAX_BULK)) {
    top.push({ path: '/jobs', message: `must be an array of 1 to ${MAX_BULK} jobs` });
  }
  if (top.length > 0) throw new ApiError(400, 'BODY_INVALID', top.map((p) => `${p.path}: ${p.message}`).join('; '), top);
  const perJob = (jobs as unknown[])
    .map((job, index) => ({ index, problems: shapeProblems(job, `/jobs/${index}`) }))
    .filter((j) => j.problems.length > 0)
    .map(({ index, problems }) => ({ index, code: 'BODY_INVALID', message: problems.map((p) => `${p.path}: ${p.message}`).join('; '), details: problems }));
  if (perJob.length > 0) {
    throw new ApiError(400, 'BODY_INVALID', `${perJob.length} of ${(jobs as unknown[]).length} jobs are malformed; nothing was enqueued`, perJob);
  }
  return jobs as EnqueueRequest[];
}
