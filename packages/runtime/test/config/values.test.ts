import { expect } from 'chai';
import { LOG_LEVELS } from '../../src/config/index.js';
import { loadWith, tempDirs } from './config-fixtures.js';

describe('config: valid values', () => {
  const dirs = tempDirs();
  after(() => dirs.cleanup());

  it('reads every setting from its variable', () => {
    const config = loadWith(dirs, {
      JOBS_REDIS_URL: 'rediss://:pw@cache.internal:6380/2',
      JOBS_DB_SCHEMA: 'jobs_record',
      JOBS_DASHBOARD_ENABLED: 'false',
      JOBS_DASHBOARD_PORT: '8080',
      JOBS_DASHBOARD_PATH: '/ops/queues',
      JOBS_SERVER_HOST: '0.0.0.0',
      JOBS_API_KEY: 'k3y',
      JOBS_DEFAULT_CONCURRENCY: '1000',
      JOBS_RETRY_ATTEMPTS: '1',
      JOBS_RETRY_DELAY: '0',
      JOBS_JOB_TIMEOUT: '1',
      JOBS_CLEAN_COMPLETED_AFTER: '0',
      JOBS_CLEAN_FAILED_AFTER: '1000',
      JOBS_SHUTDOWN_GRACE_PERIOD: '0',
      LOG_LEVEL: 'WARN',
      JOBS_QUEUE_PREFIX: '{jobs}',
      JOBS_BODY_LIMIT: '10',
    });
    expect(config).to.deep.include({
      redisUrl: 'rediss://:pw@cache.internal:6380/2',
      dashboard: { enabled: false, port: 8080, path: '/ops/queues', host: '0.0.0.0' },
      apiKey: 'k3y',
      concurrency: 1000,
      retryAttempts: 1,
      retryDelay: 0,
      jobTimeout: 1,
      cleanCompletedAfter: 0,
      cleanFailedAfter: 1000,
      shutdownGracePeriod: 0,
      logLevel: 'warn',
      queuePrefix: '{jobs}',
      bodyLimit: 10,
    });
    expect(config.database.schema).to.equal('jobs_record');
  });

  it('accepts true/false/1/0/yes/no/on/off in any case', () => {
    for (const word of ['true', 'TRUE', '1', 'yes', 'Yes', 'on', 'ON']) {
      expect(loadWith(dirs, { JOBS_DASHBOARD_ENABLED: word }).dashboard.enabled, word).to.equal(true);
    }
    for (const word of ['false', 'False', '0', 'no', 'NO', 'off', 'Off']) {
      expect(loadWith(dirs, { JOBS_DASHBOARD_ENABLED: word }).dashboard.enabled, word).to.equal(false);
    }
  });

  it('accepts every log level, case-insensitively', () => {
    for (const level of LOG_LEVELS) {
      expect(loadWith(dirs, { LOG_LEVEL: level.toUpperCase() }).logLevel).to.equal(level);
    }
  });

  it('accepts integers at the edges of their ranges, and leading zeros', () => {
    expect(loadWith(dirs, { JOBS_DASHBOARD_PORT: '65535' }).dashboard.port).to.equal(65535);
    expect(loadWith(dirs, { JOBS_DASHBOARD_PORT: '1' }).dashboard.port).to.equal(1);
    expect(loadWith(dirs, { JOBS_DEFAULT_CONCURRENCY: '1' }).concurrency).to.equal(1);
    expect(loadWith(dirs, { JOBS_RETRY_ATTEMPTS: '100' }).retryAttempts).to.equal(100);
    expect(loadWith(dirs, { JOBS_DEFAULT_CONCURRENCY: '007' }).concurrency).to.equal(7);
  });

  it('accepts a schema name of 63 characters', () => {
    const name = `_${'a'.repeat(62)}`;
    expect(loadWith(dirs, { JOBS_DB_SCHEMA: name }).database.schema).to.equal(name);
  });

  it('accepts redis:// without a password', () => {
    expect(loadWith(dirs, { JOBS_REDIS_URL: 'redis://localhost:6379' }).redisUrl).to.equal('redis://localhost:6379');
  });
});
