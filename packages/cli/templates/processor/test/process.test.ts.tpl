import assert from 'node:assert/strict';
import type { JobContext } from '@nself-jobs/sdk';
import processor from '../src/index.js';

/** A job context as a worker would pass it, for calling `process` directly. */
function jobContext<Payload>(payload: Payload): JobContext<Payload> {
  const log = { debug() {}, info() {}, warn() {}, error() {} };
  return {
    id: 'test-job', type: processor.type, queue: 'default', payload, attempt: 1, maxAttempts: 3,
    signal: new AbortController().signal, progress: async () => {}, log,
  };
}

describe('{{type}} processor', function () {
  it('greets by name', async function () {
    assert.deepEqual(await processor.process(jobContext({ name: 'Ada' })), { message: 'Hello, Ada!' });
  });

  it('refuses a blank name for good', async function () {
    await assert.rejects(async () => processor.process(jobContext({ name: '  ' })), { code: 'JOB_PERMANENT_FAILURE' });
  });
});
