import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { problemsFor, tempDirs } from './config-fixtures.js';

describe('config: invalid values', () => {
  const dirs = tempDirs();
  after(() => dirs.cleanup());

  it('refuses a port that is not a number (the issue\'s example)', () => {
    expect(problemsFor(dirs, { JOBS_DASHBOARD_PORT: 'abc' }))
      .to.deep.equal(['JOBS_DASHBOARD_PORT: expected an integer port between 1 and 65535, got "abc"']);
  });

  it('refuses a negative concurrency (the issue\'s example)', () => {
    expect(problemsFor(dirs, { JOBS_DEFAULT_CONCURRENCY: '-1' }))
      .to.deep.equal(['JOBS_DEFAULT_CONCURRENCY: expected an integer between 1 and 1000, got "-1"']);
  });

  const cases: Array<[variable: string, value: string, message: string]> = [
    ['JOBS_DASHBOARD_PORT', '0', 'expected an integer port between 1 and 65535'],
    ['JOBS_DASHBOARD_PORT', '65536', 'expected an integer port between 1 and 65535'],
    ['JOBS_PLUGIN_PORT', '80.5', 'expected an integer port between 1 and 65535'],
    ['POSTGRES_PORT', 'five', 'expected an integer port between 1 and 65535'],
    ['JOBS_DEFAULT_CONCURRENCY', '0', 'expected an integer between 1 and 1000'],
    ['JOBS_DEFAULT_CONCURRENCY', '1001', 'expected an integer between 1 and 1000'],
    ['JOBS_DEFAULT_CONCURRENCY', '5.5', 'expected an integer between 1 and 1000'],
    ['JOBS_DEFAULT_CONCURRENCY', '1e3', 'expected an integer between 1 and 1000'],
    ['JOBS_DEFAULT_CONCURRENCY', ' ', 'expected an integer between 1 and 1000'],
    ['JOBS_DEFAULT_CONCURRENCY', '0x10', 'expected an integer between 1 and 1000'],
    ['JOBS_DEFAULT_CONCURRENCY', ' 5', 'expected an integer between 1 and 1000'],
    ['JOBS_RETRY_ATTEMPTS', '0', 'expected an integer between 1 and 100'],
    ['JOBS_DEFAULT_ATTEMPTS', '101', 'expected an integer between 1 and 100'],
    ['JOBS_RETRY_DELAY', '-1', 'expected an integer >= 0'],
    ['JOBS_DEFAULT_BACKOFF_DELAY', '1.5', 'expected an integer >= 0'],
    ['JOBS_JOB_TIMEOUT', '0', 'expected an integer >= 1'],
    ['JOBS_CLEAN_COMPLETED_AFTER', '-5', 'expected an integer >= 0'],
    ['JOBS_CLEAN_FAILED_AFTER', '1d', 'expected an integer >= 0'],
    ['JOBS_SHUTDOWN_GRACE_PERIOD', '99999999999999999999', 'expected an integer >= 0'],
    ['JOBS_BODY_LIMIT', '0', 'expected an integer >= 1'],
    ['JOBS_BODY_LIMIT', '1mb', 'expected an integer >= 1'],
    ['JOBS_DASHBOARD_ENABLED', 'maybe', 'expected a boolean (true/false, yes/no, on/off, 1/0)'],
    ['LOG_LEVEL', 'loud', 'expected one of fatal, error, warn, info, debug, trace, silent'],
    ['JOBS_DB_SCHEMA', '1jobs', 'expected a PostgreSQL identifier'],
    ['JOBS_DB_SCHEMA', 'jobs-record', 'expected a PostgreSQL identifier'],
    ['JOBS_DB_SCHEMA', 'public; drop table jobs', 'expected a PostgreSQL identifier'],
    ['JOBS_DB_SCHEMA', 'a'.repeat(64), 'expected a PostgreSQL identifier'],
    ['JOBS_DASHBOARD_PATH', 'dashboard', 'expected a path starting with "/"'],
  ];

  for (const [variable, value, message] of cases) {
    it(`refuses ${variable}=${JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}...` : value)}`, () => {
      const problems = problemsFor(dirs, { [variable]: value });
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(new RegExp(`^${variable}: `));
      expect(problems[0]).to.contain(message);
      expect(problems[0]).to.contain(`got ${JSON.stringify(value)}`);
    });
  }

  it('reports every problem at once, one per line', () => {
    const cwd = dirs.dir('LOG_LEVEL=loud\n');
    let thrown: unknown;
    try {
      loadConfig({ env: { PORT: 'abc', JOBS_DEFAULT_CONCURRENCY: '-1', DATABASE_URL: 'nonsense' }, cwd });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.code).to.equal('CONFIG_INVALID');
    expect(error.name).to.equal('ConfigError');
    expect(error.problems).to.deep.equal([
      'DATABASE_URL: not a valid URL; expected postgres://user:password@host:port/database, got "nonsense"',
      'PORT: expected an integer port between 1 and 65535, got "abc"',
      'JOBS_DEFAULT_CONCURRENCY: expected an integer between 1 and 1000, got "-1"',
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ]);
    expect(error.message).to.equal(['invalid configuration:', ...error.problems.map((p) => `  - ${p}`)].join('\n'));
  });
});
