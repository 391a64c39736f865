import { Args, Flags } from '@oclif/core';
import { createLogger, Runtime, type EnqueueOptions, type EnqueueRequest } from '@nself-jobs/runtime';
import { PRIORITY_NAMES, type PriorityName } from '@nself-jobs/sdk';
import { BaseCommand, EXIT } from '../base-command.js';

export default class Add extends BaseCommand {
  static override summary = 'Enqueue a job and print its id';
  static override description = 'Validates the payload against the job type\'s JSON Schema, records the job in PostgreSQL and queues it.';
  static override examples = [
    `<%= config.bin %> add http-request --payload '{"url":"https://example.com/hook","method":"POST"}'`,
    '<%= config.bin %> add http-request --payload @payload.json --priority high --max-retries 5',
    '<%= config.bin %> add send-email --payload \'{"to":"a@example.com","subject":"Hi","body":"..."}\' --delay 60000 --json',
  ];

  static override args = {
    type: Args.string({ description: 'job type, e.g. http-request (see `jobs processors list`)', required: true }),
  };

  static override flags = {
    payload: Flags.string({ char: 'p', description: 'payload as JSON, or @file to read it from a file', default: '{}' }),
    queue: Flags.string({ char: 'q', description: 'queue (default: the job type\'s own, usually "default")' }),
    priority: Flags.string({ description: 'critical, high, normal or low', options: [...PRIORITY_NAMES] }),
    delay: Flags.integer({ description: 'milliseconds to wait before the job may run', min: 0 }),
    'max-retries': Flags.integer({ description: 'retries after the first attempt (0 = one attempt only)', min: 0 }),
    timeout: Flags.integer({ description: 'milliseconds one attempt may take', min: 1 }),
    'idempotency-key': Flags.string({ description: 'the same key twice returns the first job instead of a new one' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Add);
    const payload = await readPayload(flags.payload);
    if (payload.error) {
      process.stderr.write(`Error: --payload: ${payload.error}\n`);
      this.exit(EXIT.usage);
    }
    const options: EnqueueOptions = {
      priority: flags.priority as PriorityName | undefined,
      delay: flags.delay,
      maxRetries: flags['max-retries'],
      timeout: flags.timeout,
      idempotencyKey: flags['idempotency-key'],
    };
    const request: EnqueueRequest = {
      type: args.type,
      queue: flags.queue,
      payload: payload.value,
      options: Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    };
    const config = this.loadRuntimeConfig();
    const runtime = await Runtime.start(config, { log: createLogger(config.logLevel, 'stderr') });
    try {
      const job = await runtime.producer.enqueue(request);
      this.output(flags.json, job, () => this.log(job.id));
    } finally {
      await runtime.close();
    }
  }
}

async function readPayload(raw: string): Promise<{ value?: unknown; error?: string }> {
  let text = raw;
  if (raw.startsWith('@')) {
    const fs = await import('node:fs/promises');
    try {
      text = await fs.readFile(raw.slice(1), 'utf8');
    } catch (error) {
      return { error: `cannot read ${raw.slice(1)}: ${(error as Error).message}` };
    }
  }
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `not valid JSON (${(error as Error).message})` };
  }
}
