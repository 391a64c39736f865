import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { startRedis, testRedisUrl, type RunningRedis } from '@nself-jobs/test-helpers';
import { checkEvictionPolicy } from '../../src/operations/eviction-policy.js';
import { Runtime } from '../../src/runtime.js';
import { silentLogger } from '../../src/logger.js';
import { testConfig } from '../support/test-runtime.js';

/** A logger whose JSON lines land in `lines`. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('startup check: Redis maxmemory-policy (private redis-server)', function () {
  this.timeout(30000);
  let lru: RunningRedis;
  let noConfig: RunningRedis;

  before(async () => {
    [lru, noConfig] = await Promise.all([
      startRedis({ maxmemoryPolicy: 'allkeys-lru' }),
      startRedis({ maxmemoryPolicy: 'volatile-ttl', extraArgs: ['--rename-command', 'CONFIG', ''] }),
    ]);
  });
  after(() => Promise.all([lru?.stop(), noConfig?.stop()]));

  it('refuses to start the runtime on a Redis that evicts, naming the policy, the address and the way out', async () => {
    const config = await testConfig({ JOBS_REDIS_URL: lru.url });
    try {
      const runtime = await Runtime.start(config, { log: silentLogger() });
      await runtime.close();
      expect.fail('the runtime started');
    } catch (error) {
      expect((error as { code?: string }).code).to.equal('CONFIG_INVALID');
      const message = (error as Error).message;
      expect(message).to.contain(`Redis at ${lru.url}`);
      expect(message).to.contain('maxmemory-policy "allkeys-lru"');
      expect(message).to.contain('noeviction');
      expect(message).to.contain('JOBS_ALLOW_EVICTION=true');
    }
  });

  it('starts with JOBS_ALLOW_EVICTION=true, warning loudly', async () => {
    const { log, lines } = capturingLogger();
    const runtime = await Runtime.start(await testConfig({ JOBS_REDIS_URL: lru.url, JOBS_ALLOW_EVICTION: 'true' }), { log });
    await runtime.close();
    const warning = lines.find((l) => l.level === 40 && /JOBS MAY BE LOST/.test(String(l.msg)));
    expect(warning, JSON.stringify(lines)).to.include({ policy: 'allkeys-lru' });
  });

  it('reads the policy from INFO where CONFIG is disabled (managed Redis)', async () => {
    const check = checkEvictionPolicy({ url: noConfig.url, address: noConfig.url, allowEviction: false, log: silentLogger() });
    try {
      await check;
      expect.fail('accepted volatile-ttl');
    } catch (error) {
      expect((error as Error).message).to.contain('maxmemory-policy "volatile-ttl"');
    }
  });

  it('accepts noeviction, and leaves an unreachable Redis to the commands that need it', async () => {
    expect(await checkEvictionPolicy({ url: testRedisUrl(), address: 'test', allowEviction: false, log: silentLogger() }))
      .to.deep.equal({ result: 'ok', policy: 'noeviction' });
    const down = await checkEvictionPolicy({ url: 'redis://127.0.0.1:1', address: 'redis://127.0.0.1:1', allowEviction: false, log: silentLogger() });
    expect(down.result).to.equal('unreachable');
  });

  it('reports an invalid JOBS_ALLOW_EVICTION by name', async () => {
    try {
      const runtime = await Runtime.start(await testConfig({ JOBS_REDIS_URL: lru.url, JOBS_ALLOW_EVICTION: 'maybe' }), { log: silentLogger() });
      await runtime.close();
      expect.fail('the runtime started');
    } catch (error) {
      expect((error as Error).message).to.match(/JOBS_ALLOW_EVICTION: expected a boolean/);
    }
  });
});
