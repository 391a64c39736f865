import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { waitFor } from '@nself-jobs/test-helpers';
import type { Runtime } from '../../src/runtime.js';
import { startTestRuntime } from '../support/test-runtime.js';

describe('structured job logs (pino JSON, LOG_LEVEL honoured)', () => {
  let runtime: Runtime;
  const lines: Array<Record<string, unknown>> = [];

  before(async () => {
    const stream = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
    runtime = await startTestRuntime({}, { log: pino({ level: 'info' }, stream) });
    await runtime.startWorkers({ queues: ['default'], concurrency: 2 });
  });
  after(() => runtime?.close(1000));

  it('logs every failed attempt and the dead letter with its jobId; completions only at debug', async () => {
    const failing = await runtime.producer.enqueue({ type: 'flaky', payload: { failTimes: 9 }, options: { maxRetries: 1 } });
    const fine = await runtime.producer.enqueue({ type: 'echo', payload: {} });
    await waitFor(() => lines.some((l) => l.jobId === failing.id && l.level === 50), 'the dead letter line');
    const about = lines.filter((l) => l.jobId === failing.id);
    expect(about.map((l) => [l.level, l.msg, l.attempt])).to.deep.equal([
      [40, 'job attempt failed; retrying', 1],
      [50, 'job failed; no attempt left (dead letter: `jobs retry` runs it again)', 2],
    ]);
    expect(about[1]).to.include({ type: 'flaky', queue: 'default', maxAttempts: 2 });
    expect((about[1].err as { message: string }).message).to.equal('flaky failure on attempt 2');
    expect(lines.filter((l) => l.jobId === fine.id), 'no info line per completed job').to.deep.equal([]);

    await runtime.operations.retry(failing.id);
    await waitFor(() => lines.some((l) => l.jobId === failing.id && l.msg === 'job retried by request'), 'the retry line');
  });
});
