import { expect } from 'chai';
import { backendCount, recordCount, startTestServer, type TestServer } from './support.js';

describe('server: POST /api/jobs/bulk', () => {
  let t: TestServer;

  before(async () => {
    t = await startTestServer();
  });
  after(() => t?.close());
  afterEach(async () => {
    await t.runtime.pool.query('TRUNCATE jobs CASCADE');
    for (const name of ['default', 'high-priority', 'low-priority']) await t.runtime.queue(name).obliterate({ force: true });
  });

  async function expectNothingWritten(): Promise<void> {
    expect(await recordCount(t.runtime), 'rows in jobs').to.equal(0);
    expect(await backendCount(t.runtime), 'jobs in the backend').to.equal(0);
  }

  it('records and queues 1000 jobs in one request (201)', async () => {
    const jobs = Array.from({ length: 1000 }, (_, i) => ({ type: 'echo', payload: { i }, queue: i % 2 ? 'default' : 'low-priority' }));
    const reply = await t.call('POST', '/api/jobs/bulk', { body: { jobs } });
    expect(reply.status, reply.text.slice(0, 300)).to.equal(201);
    expect(reply.body.jobs).to.have.length(1000);
    expect(reply.body.jobs[0]).to.include({ type: 'echo', queue: 'low-priority', status: 'waiting', existing: false });
    expect(reply.body.jobs[1]).to.include({ queue: 'default' });
    expect(new Set(reply.body.jobs.map((j: { id: string }) => j.id)).size).to.equal(1000);
    expect(await recordCount(t.runtime)).to.equal(1000);
    expect(await backendCount(t.runtime)).to.equal(1000);
  });

  it('one bad job among many: 422 with its index, nothing written', async () => {
    const jobs = Array.from({ length: 50 }, (_, i) => ({ type: 'sleep', payload: { ms: 1 }, options: { delay: 60000 + i } }));
    jobs[17] = { type: 'sleep', payload: { ms: 'long' } as never, options: { delay: 1 } };
    jobs[33] = { type: 'nope', payload: { ms: 1 }, options: { delay: 1 } };
    const reply = await t.call('POST', '/api/jobs/bulk', { body: { jobs } });
    expect(reply.status, reply.text).to.equal(422);
    expect(reply.body.error.code).to.equal('PAYLOAD_INVALID');
    expect(reply.body.error.details.map((d: { index: number }) => d.index)).to.deep.equal([17, 33]);
    expect(reply.body.error.details[0].details[0].path).to.equal('/payload/ms');
    expect(reply.body.error.details[1].code).to.equal('UNKNOWN_TYPE');
    await expectNothingWritten();
  });

  it('a malformed job (extra field): 400 with its index, nothing written', async () => {
    const reply = await t.call('POST', '/api/jobs/bulk', { body: { jobs: [{ type: 'echo' }, { type: 'echo', jobId: 'mine' }] } });
    expect(reply.status, reply.text).to.equal(400);
    expect(reply.body.error.code).to.equal('BODY_INVALID');
    expect(reply.body.error.details).to.have.length(1);
    expect(reply.body.error.details[0]).to.include({ index: 1 });
    expect(reply.body.error.details[0].details[0].path).to.equal('/jobs/1/jobId');
    await expectNothingWritten();
  });

  for (const [name, body] of [
    ['more than 1000 jobs', { jobs: Array.from({ length: 1001 }, () => ({ type: 'echo' })) }],
    ['no jobs', { jobs: [] }],
    ['jobs that is not an array', { jobs: { type: 'echo' } }],
    ['a field beside jobs', { jobs: [{ type: 'echo' }], dryRun: true }],
  ] as const) {
    it(`${name}: 400, nothing written`, async () => {
      const reply = await t.call('POST', '/api/jobs/bulk', { body });
      expect(reply.status, reply.text).to.equal(400);
      expect(reply.body.error.code).to.equal('BODY_INVALID');
      await expectNothingWritten();
    });
  }

  it('idempotency keys inside a bulk request return the existing jobs', async () => {
    const first = await t.call('POST', '/api/jobs', { body: { type: 'echo', options: { idempotencyKey: 'k1' } } });
    const reply = await t.call('POST', '/api/jobs/bulk', { body: { jobs: [{ type: 'echo', options: { idempotencyKey: 'k1' } }, { type: 'echo' }] } });
    expect(reply.status).to.equal(201);
    expect(reply.body.jobs[0]).to.deep.equal({ ...first.body, existing: true });
    expect(reply.body.jobs[1].existing).to.equal(false);
    expect(await recordCount(t.runtime)).to.equal(2);
    const again = await t.call('POST', '/api/jobs/bulk', { body: { jobs: [{ type: 'echo', options: { idempotencyKey: 'k1' } }] } });
    expect(again.status, 'nothing new was created').to.equal(200);
  });
});
