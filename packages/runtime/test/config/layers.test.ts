import { expect } from 'chai';
import path from 'node:path';
import { isConfigError, loadConfig } from '../../src/config/index.js';
import { loadWith, problemsFor, tempDirs } from './config-fixtures.js';

describe('config: layers', () => {
  const dirs = tempDirs();
  after(() => dirs.cleanup());

  it('reads .env from cwd (comments, quotes and export lines included)', () => {
    const cwd = dirs.dir([
      '# local settings',
      'JOBS_DEFAULT_CONCURRENCY=7',
      'JOBS_API_KEY="secret key"',
      'export LOG_LEVEL=debug',
      'JOBS_DATA_DIR=state',
    ].join('\n'));
    const config = loadConfig({ env: {}, cwd });
    expect(config.concurrency).to.equal(7);
    expect(config.apiKey).to.equal('secret key');
    expect(config.logLevel).to.equal('debug');
    expect(config.dataDir).to.equal(path.join(cwd, 'state'));
  });

  it('lets the environment win over .env', () => {
    const cwd = dirs.dir('JOBS_DEFAULT_CONCURRENCY=7\nJOBS_JOB_TIMEOUT=1000\n');
    const config = loadConfig({ env: { JOBS_DEFAULT_CONCURRENCY: '9' }, cwd });
    expect(config.concurrency).to.equal(9);
    expect(config.jobTimeout).to.equal(1000);
  });

  it('lets overrides win over the environment and .env, and ignores undefined overrides', () => {
    const cwd = dirs.dir('JOBS_DEFAULT_CONCURRENCY=7\nJOBS_DASHBOARD_PORT=4000\n');
    const config = loadConfig({
      env: { JOBS_DEFAULT_CONCURRENCY: '9', JOBS_DASHBOARD_PORT: '4001' },
      cwd,
      overrides: { JOBS_DEFAULT_CONCURRENCY: '11', JOBS_DASHBOARD_PORT: undefined },
    });
    expect(config.concurrency).to.equal(11);
    expect(config.dashboard.port).to.equal(4001);
  });

  it('treats an empty string as unset, in every layer', () => {
    const cwd = dirs.dir('JOBS_DEFAULT_CONCURRENCY=7\nJOBS_RETRY_DELAY=\n');
    const config = loadConfig({
      env: { JOBS_DEFAULT_CONCURRENCY: '', JOBS_API_KEY: '', JOBS_REDIS_URL: '' },
      cwd,
      overrides: { JOBS_DEFAULT_CONCURRENCY: '' },
    });
    expect(config.concurrency).to.equal(7);
    expect(config.retryDelay).to.equal(5000);
    expect(config.apiKey).to.equal(undefined);
    expect(config.redisUrl).to.equal(undefined);
  });

  it('reports a .env that cannot be read, naming the file', () => {
    const cwd = dirs.dirWithUnreadableEnv();
    try {
      loadConfig({ env: {}, cwd });
      expect.fail('expected a ConfigError');
    } catch (error) {
      expect(isConfigError(error)).to.equal(true);
      expect((error as { problems: string[] }).problems).to.have.length(1);
      expect((error as Error).message).to.contain(`${path.join(cwd, '.env')}: cannot read`);
    }
  });

  it('hands processors the merged environment: overrides over env over .env', () => {
    const cwd = dirs.dir('FROM_FILE=file\nSHARED=file\nEMPTY_IN_ENV=file\n');
    const config = loadConfig({
      env: { SHARED: 'env', ONLY_ENV: 'env', EMPTY_IN_ENV: '', BLANK: '' },
      cwd,
      overrides: { SHARED: 'flag' },
    });
    expect(config.env).to.deep.equal({
      FROM_FILE: 'file', SHARED: 'flag', ONLY_ENV: 'env', EMPTY_IN_ENV: 'file', BLANK: '',
    });
  });

  it('resolves JOBS_DATA_DIR and JOBS_PROCESSOR_PATHS against cwd', () => {
    const cwd = dirs.dir();
    const config = loadConfig({
      env: { JOBS_DATA_DIR: '/var/lib/jobs', JOBS_PROCESSOR_PATHS: ['proc/a', '/opt/b', ''].join(path.delimiter) },
      cwd,
    });
    expect(config.dataDir).to.equal('/var/lib/jobs');
    expect(config.processorPaths).to.deep.equal([path.join(cwd, 'proc/a'), '/opt/b']);
  });
});

describe('config: aliases', () => {
  const dirs = tempDirs();
  after(() => dirs.cleanup());

  const aliases: Array<[primary: string, alias: string, read: (c: ReturnType<typeof loadConfig>) => number]> = [
    ['JOBS_DASHBOARD_PORT', 'JOBS_PLUGIN_PORT', (c) => c.dashboard.port],
    ['JOBS_DASHBOARD_PORT', 'PORT', (c) => c.dashboard.port],
    ['JOBS_DEFAULT_CONCURRENCY', 'JOBS_MAX_CONCURRENT', (c) => c.concurrency],
    ['JOBS_RETRY_ATTEMPTS', 'JOBS_DEFAULT_ATTEMPTS', (c) => c.retryAttempts],
    ['JOBS_RETRY_DELAY', 'JOBS_DEFAULT_BACKOFF_DELAY', (c) => c.retryDelay],
  ];

  for (const [primary, alias, read] of aliases) {
    it(`reads ${alias} for ${primary}, and ${primary} wins when both are set`, () => {
      expect(read(loadWith(dirs, { [alias]: '17' }))).to.equal(17);
      expect(read(loadWith(dirs, { [alias]: '17', [primary]: '23' }))).to.equal(23);
    });
  }

  it('prefers JOBS_PLUGIN_PORT over PORT', () => {
    expect(loadWith(dirs, { PORT: '4000', JOBS_PLUGIN_PORT: '4001' }).dashboard.port).to.equal(4001);
  });

  it('lets an alias in a stronger layer beat the primary name in a weaker one', () => {
    const cwd = dirs.dir('JOBS_DASHBOARD_PORT=4000\n');
    expect(loadConfig({ env: { PORT: '5000' }, cwd }).dashboard.port).to.equal(5000);
    expect(loadConfig({ env: { JOBS_DASHBOARD_PORT: '5000' }, cwd, overrides: { PORT: '6000' } })
      .dashboard.port).to.equal(6000);
  });

  it('names the alias that was used when its value is bad', () => {
    expect(problemsFor(dirs, { PORT: 'abc' }))
      .to.deep.equal(['PORT: expected an integer port between 1 and 65535, got "abc"']);
    expect(problemsFor(dirs, { JOBS_MAX_CONCURRENT: '-3' }))
      .to.deep.equal(['JOBS_MAX_CONCURRENT: expected an integer between 1 and 1000, got "-3"']);
  });

  it('does not check an alias that the primary name shadows', () => {
    expect(loadWith(dirs, { PORT: 'abc', JOBS_DASHBOARD_PORT: '3000' }).dashboard.port).to.equal(3000);
  });
});
