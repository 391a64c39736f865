import type { RuntimeConfig } from '../config/index.js';
import { JobsError } from '../errors.js';
import { checkOptions, type OptionProblem } from '../producer/enqueue-request.js';
import { prepareJob } from '../producer/prepare-job.js';
import type { ProcessorRegistry } from '../registry/index.js';
import { MISSED_POLICIES, type MissedPolicy } from './missed-runs.js';
import { cronProblem } from './schedule-clock.js';
import type { Schedule, ScheduleInput, ScheduleJobOptions } from './schedule-types.js';
import { timeZoneProblem } from './zone-offset.js';

/** Letters, digits, `_ . -`; starts with a letter or digit. The name ends up in URLs and idempotency keys. */
export const SCHEDULE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Names that a REST path under /api/schedules/ already uses. */
const RESERVED_NAMES = ['preview'];

const INPUT_FIELDS = ['name', 'type', 'cron', 'timezone', 'payload', 'queue', 'options', 'description', 'enabled', 'missedPolicy'];
const JOB_OPTIONS = ['priority', 'maxRetries', 'timeout'];

/** A schedule that passed every check, defaults resolved: what gets stored. */
export type ValidSchedule = Pick<Schedule,
  'name' | 'type' | 'queue' | 'payload' | 'options' | 'cron' | 'timezone' | 'description' | 'enabled' | 'missedPolicy'>;

/**
 * Checks a whole schedule (a create body, or an existing schedule with an update applied):
 * its own fields first, every problem at once (OPTIONS_INVALID, details as path + message),
 * then the job it makes, with the producer's own checks (UNKNOWN_TYPE, OPTIONS_INVALID for
 * the queue, PAYLOAD_INVALID against the type's JSON Schema).
 */
export function validateSchedule(input: unknown, registry: ProcessorRegistry, config: RuntimeConfig): ValidSchedule {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new JobsError('OPTIONS_INVALID', 'a schedule must be a JSON object', [{ path: '', message: 'must be an object' }]);
  }
  const body = input as Record<string, unknown>;
  const problems: OptionProblem[] = unknownFields(body, INPUT_FIELDS, '');
  if (typeof body.name !== 'string' || !SCHEDULE_NAME_PATTERN.test(body.name)) {
    problems.push({ path: '/name', message: 'is required: 1 to 100 letters, digits, _ . or -, starting with a letter or digit' });
  } else if (RESERVED_NAMES.includes(body.name)) {
    problems.push({ path: '/name', message: `"${body.name}" is reserved (GET /api/schedules/${body.name} has another meaning)` });
  }
  if (typeof body.type !== 'string' || body.type.length === 0) problems.push({ path: '/type', message: 'is required: an installed job type' });
  const cronIssue = cronProblem(body.cron);
  if (cronIssue) problems.push({ path: '/cron', message: cronIssue });
  const timezone = body.timezone ?? 'UTC';
  const zoneIssue = timeZoneProblem(timezone);
  if (zoneIssue) problems.push({ path: '/timezone', message: zoneIssue });
  const missedPolicy = body.missedPolicy ?? 'skip';
  if (!MISSED_POLICIES.includes(missedPolicy as MissedPolicy)) problems.push({ path: '/missedPolicy', message: `must be one of ${MISSED_POLICIES.join(', ')}` });
  if (body.description !== undefined && body.description !== null && (typeof body.description !== 'string' || body.description.length > 1000)) {
    problems.push({ path: '/description', message: 'must be a string of at most 1000 characters, or null' });
  }
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean') problems.push({ path: '/enabled', message: 'must be true or false' });
  problems.push(...optionProblems(body.options));
  if (problems.length > 0) throw new JobsError('OPTIONS_INVALID', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);

  const options = (body.options ?? {}) as ScheduleJobOptions;
  const job = prepareJob({ type: body.type as string, queue: body.queue as string | undefined, payload: body.payload, options }, registry, config);
  return {
    name: body.name as string,
    type: job.type,
    queue: job.queue,
    payload: job.payload,
    options,
    cron: (body.cron as string).trim(),
    timezone: (timezone as string).trim(),
    description: (body.description as string | null | undefined) ?? null,
    enabled: (body.enabled as boolean | undefined) ?? true,
    missedPolicy: missedPolicy as MissedPolicy,
  };
}

/** An update applied to the stored schedule; the name cannot change (it keys the schedule's jobs). */
export function mergeUpdate(current: Schedule, update: unknown): ScheduleInput {
  if (typeof update !== 'object' || update === null || Array.isArray(update)) {
    throw new JobsError('OPTIONS_INVALID', 'an update must be a JSON object', [{ path: '', message: 'must be an object' }]);
  }
  const patch = update as Record<string, unknown>;
  const problems = unknownFields(patch, INPUT_FIELDS, '');
  if (patch.name !== undefined && patch.name !== current.name) {
    problems.push({ path: '/name', message: 'cannot be changed: create a new schedule and delete this one' });
  }
  if (problems.length > 0) throw new JobsError('OPTIONS_INVALID', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  return {
    name: current.name, type: current.type, cron: current.cron, timezone: current.timezone, payload: current.payload,
    queue: current.queue, options: current.options, description: current.description, enabled: current.enabled,
    missedPolicy: current.missedPolicy, ...defined,
  };
}

function optionProblems(options: unknown): OptionProblem[] {
  if (options === undefined || options === null) return [];
  const problems = checkOptions(options);
  if (problems.length === 1 && problems[0].path === '/options') return problems;
  const extra = unknownFields(options as Record<string, unknown>, JOB_OPTIONS, '/options')
    .map((p) => ({ ...p, message: `${p.message}; each run gets its own idempotency key and runs at its time` }));
  const extraPaths = new Set(extra.map((p) => p.path));
  return [...problems.filter((p) => !extraPaths.has(p.path)), ...extra];
}

function unknownFields(body: Record<string, unknown>, allowed: string[], prefix: string): OptionProblem[] {
  return Object.keys(body).filter((key) => !allowed.includes(key))
    .map((key) => ({ path: `${prefix}/${key}`, message: `unknown field "${key}" (allowed: ${allowed.join(', ')})` }));
}
