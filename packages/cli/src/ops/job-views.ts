import type { JobRecord, JobRecordDetail, RetryCandidate } from '@nself-jobs/runtime';
import { clip, formatTime, renderTable } from './table.js';

export function renderJobList(jobs: JobRecord[]): string {
  return renderTable(
    [{ header: 'ID' }, { header: 'TYPE' }, { header: 'QUEUE' }, { header: 'STATUS' }, { header: 'ATTEMPTS' }, { header: 'CREATED' }, { header: 'LAST ERROR' }],
    jobs.map((j) => [j.id, j.type, j.queue, j.status, `${j.attempts_made}/${j.max_attempts}`, formatTime(j.created_at),
      j.status === 'completed' ? '-' : clip(j.last_error)]),
  );
}

export function renderRetryCandidates(jobs: RetryCandidate[]): string {
  return renderTable(
    [{ header: 'ID' }, { header: 'TYPE' }, { header: 'QUEUE' }, { header: 'ATTEMPTS' }, { header: 'FAILED AT' }, { header: 'LAST ERROR' }],
    jobs.map((j) => [j.id, j.type, j.queue, `${j.attempts_made}/${j.max_attempts}`, formatTime(j.failed_at), clip(j.last_error)]),
  );
}

/** Every field of a job, its result, and every failed attempt with its error (a dead letter's history). */
export function renderJobDetail(job: JobRecordDetail): string {
  const fields: Array<[string, string]> = [
    ['id', job.id], ['type', job.type], ['queue', job.queue], ['status', job.status], ['priority', job.priority],
    ['attempts', `${job.attempts_made} of ${job.max_attempts}`], ['created', formatTime(job.created_at)],
    ['run at', formatTime(job.run_at)], ['started', formatTime(job.started_at)], ['finished', formatTime(job.completed_at)],
    ['schedule', job.schedule_name ?? '-'], ['backend id', job.backend_id ?? '-'], ['payload', JSON.stringify(job.payload)],
  ];
  if (job.progress !== null && job.progress !== undefined) fields.push(['progress', JSON.stringify(job.progress)]);
  if (job.result) fields.push(['result', JSON.stringify(job.result.result)], ['duration', job.result.duration_ms === null ? '-' : `${job.result.duration_ms} ms`]);
  if (job.last_error && job.status !== 'completed') fields.push(['last error', job.last_error]);
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  const lines = fields.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}`);
  if (job.failures.length > 0) {
    lines.push(`failed attempts (${job.failures.length}):`);
    for (const f of job.failures) lines.push(`  #${f.attempt_number}  ${f.failed_at}  ${f.error_code ? `[${f.error_code}] ` : ''}${f.error_message}`);
  }
  return lines.join('\n');
}
