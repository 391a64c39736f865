import { expect } from 'chai';
import path from 'node:path';
import { ENV_VARIABLES, loadConfig } from '../../src/config/index.js';
import { tempDirs } from './config-fixtures.js';

describe('config: defaults', () => {
  const dirs = tempDirs();
  after(() => dirs.cleanup());

  it('gives every setting its default when nothing is set', () => {
    const cwd = dirs.dir();
    const config = loadConfig({ env: {}, cwd });
    expect(config).to.deep.equal({
      redisUrl: undefined,
      database: {
        connectionString: undefined,
        host: 'localhost',
        port: 5432,
        user: 'postgres',
        password: undefined,
        database: 'postgres',
        configured: false,
        schema: 'public',
      },
      dashboard: { enabled: true, port: 3105, path: '/dashboard', host: '127.0.0.1' },
      apiKey: undefined,
      concurrency: 5,
      retryAttempts: 3,
      retryDelay: 5000,
      jobTimeout: 60000,
      cleanCompletedAfter: 86400000,
      cleanFailedAfter: 604800000,
      shutdownGracePeriod: 30000,
      logLevel: 'info',
      queuePrefix: 'bull',
      dataDir: path.join(cwd, '.jobs'),
      processorPaths: [],
      bodyLimit: 1048576,
      env: {},
    });
  });

  it('resolves a relative cwd to an absolute data directory', () => {
    const cwd = dirs.dir();
    const relative = path.relative(process.cwd(), cwd);
    expect(loadConfig({ env: {}, cwd: relative }).dataDir).to.equal(path.join(cwd, '.jobs'));
  });

  it('returns a deep-frozen object', () => {
    const config = loadConfig({ env: { JOBS_PROCESSOR_PATHS: '/a', FOO: 'bar' }, cwd: dirs.dir() });
    for (const part of [config, config.database, config.dashboard, config.processorPaths, config.env]) {
      expect(Object.isFrozen(part)).to.equal(true);
    }
    // Reflect.set reports a refused write whether or not the test file runs in strict mode.
    expect(Reflect.set(config, 'concurrency', 9)).to.equal(false);
    expect(Reflect.set(config.database, 'port', 1)).to.equal(false);
    expect(Reflect.set(config.env, 'FOO', 'changed')).to.equal(false);
    expect(config.concurrency).to.equal(5);
    expect(() => { (config.processorPaths as string[]).push('/b'); }).to.throw(TypeError);
  });

  it('freezes copies, leaving the caller\'s env alone', () => {
    const env = { JOBS_API_KEY: 'k' };
    const config = loadConfig({ env, cwd: dirs.dir() });
    expect(Object.isFrozen(env)).to.equal(false);
    expect(config.env).to.not.equal(env);
    expect(config.processorPaths).to.not.equal(ENV_VARIABLES.processorPaths.unset);
  });
});
