export { RuntimeMetrics, type MetricsDeps } from './runtime-metrics.js';
export { attemptOutcome } from './attempt-outcome.js';
export { logJobEvents } from './job-event-log.js';
