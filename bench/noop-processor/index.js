import { defineProcessor } from '@nself-jobs/sdk';

// Does nothing: the benchmark measures what the runtime costs around a job, not the job.
export default defineProcessor({ type: 'noop', process: () => null });
