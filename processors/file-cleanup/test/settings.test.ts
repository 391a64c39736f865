import { expect } from 'chai';
import { settingsFromEnv } from '../src/settings.js';

describe('file-cleanup settings (from the worker environment)', () => {
  it('defaults to the runtime\'s: POSTGRES_* defaults, schema public, BullMQ on PostgreSQL, 24 h and 7 days', () => {
    const settings = settingsFromEnv({});
    expect(settings.problems).to.deep.equal([]);
    expect(settings.database).to.deep.equal({ host: 'localhost', port: 5432, user: 'postgres', database: 'postgres' });
    expect(settings.databaseAddress).to.equal('postgres://postgres@localhost:5432/postgres');
    expect(settings.schema).to.equal('public');
    expect(settings.backend).to.deep.equal({ kind: 'postgres', address: 'postgres://postgres@localhost:5432/postgres (schema bullmq)' });
    expect(settings.defaults).to.deep.equal({ completedMs: 86_400_000, failedMs: 604_800_000 });
  });

  it('prefers DATABASE_URL (kept whole, for sslmode) over POSTGRES_*, and never shows its password', () => {
    const url = 'postgresql://app:s3cret@db.internal:6432/jobs?sslmode=require';
    const settings = settingsFromEnv({ DATABASE_URL: url, POSTGRES_HOST: 'ignored', POSTGRES_PORT: 'not-a-port' });
    expect(settings.problems).to.deep.equal([]);
    expect(settings.database).to.deep.equal({ connectionString: url });
    expect(settings.databaseAddress).to.equal('postgres://app@db.internal:6432/jobs');
  });

  it('reads POSTGRES_* when there is no DATABASE_URL', () => {
    const settings = settingsFromEnv({
      DATABASE_URL: '', POSTGRES_HOST: '::1', POSTGRES_PORT: '5433', POSTGRES_USER: 'u', POSTGRES_PASSWORD: 'p w', POSTGRES_DB: 'd',
    });
    expect(settings.database).to.deep.equal({ host: '::1', port: 5433, user: 'u', password: 'p w', database: 'd' });
    expect(settings.databaseAddress).to.equal('postgres://u@[::1]:5433/d');
  });

  it('uses Redis with JOBS_QUEUE_PREFIX when JOBS_REDIS_URL is set', () => {
    expect(settingsFromEnv({ JOBS_REDIS_URL: 'redis://:pw@cache:6380/2' }).backend).to.deep.equal({
      kind: 'redis', url: 'redis://:pw@cache:6380/2', prefix: 'bull', address: 'redis://cache:6380/2',
    });
    expect(settingsFromEnv({ JOBS_REDIS_URL: 'rediss://cache', JOBS_QUEUE_PREFIX: 'nself' }).backend).to.include({ prefix: 'nself' });
  });

  it('reads JOBS_CLEAN_COMPLETED_AFTER / JOBS_CLEAN_FAILED_AFTER as milliseconds', () => {
    expect(settingsFromEnv({ JOBS_CLEAN_COMPLETED_AFTER: '3600000', JOBS_CLEAN_FAILED_AFTER: '0' }).defaults)
      .to.deep.equal({ completedMs: 3_600_000, failedMs: 0 });
  });

  it('collects every bad value, naming its variable and never its secret', () => {
    const { problems } = settingsFromEnv({
      DATABASE_URL: 'mysql://root:hunter2@db/app',
      JOBS_DB_SCHEMA: '1jobs',
      JOBS_REDIS_URL: 'http://:pw@cache',
      JOBS_CLEAN_COMPLETED_AFTER: '1h',
      JOBS_CLEAN_FAILED_AFTER: '-5',
    });
    expect(problems.map((p) => p.split(' ')[0])).to.deep.equal([
      'DATABASE_URL', 'JOBS_DB_SCHEMA', 'JOBS_REDIS_URL', 'JOBS_CLEAN_COMPLETED_AFTER', 'JOBS_CLEAN_FAILED_AFTER',
    ]);
    expect(problems.join()).to.not.match(/hunter2|:pw@/);
    expect(settingsFromEnv({ POSTGRES_PORT: '70000' }).problems).to.deep.equal(['POSTGRES_PORT must be a port number (1-65535)']);
  });
});
