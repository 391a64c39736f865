import { expect } from 'chai';
import {
  DATABASE_VARIABLES, describeDatabase, loadConfig, maskUrlPassword, postgresConnectionConfig,
} from '../../src/config/index.js';
import { loadWith, problemsFor, tempDirs } from './config-fixtures.js';

describe('config: database', () => {
  const dirs = tempDirs();
  after(() => dirs.cleanup());

  it('takes every part from DATABASE_URL and keeps the string as given', () => {
    const url = 'postgres://jobs:s3cret@db.internal:6543/jobs_prod';
    expect(loadWith(dirs, { DATABASE_URL: url }).database).to.deep.equal({
      connectionString: url,
      host: 'db.internal',
      port: 6543,
      user: 'jobs',
      password: 's3cret',
      database: 'jobs_prod',
      configured: true,
      schema: 'public',
    });
  });

  it('decodes %-escaped user and password ("p%40ss" -> "p@ss")', () => {
    const { database } = loadWith(dirs, { DATABASE_URL: 'postgresql://me%2Bjobs:p%40ss%3Aw0rd@localhost/app' });
    expect(database.user).to.equal('me+jobs');
    expect(database.password).to.equal('p@ss:w0rd');
  });

  it('defaults a missing port to 5432, and a missing user or database to postgres', () => {
    const { database } = loadWith(dirs, { DATABASE_URL: 'postgres://db.internal' });
    expect(database).to.include({ host: 'db.internal', port: 5432, user: 'postgres', database: 'postgres' });
    expect(database.password).to.equal(undefined);
  });

  it('accepts query parameters such as ?sslmode=require and passes the TLS wish on to pg', () => {
    const url = 'postgres://u:p@db:5432/app?sslmode=require&application_name=jobs';
    const config = loadWith(dirs, { DATABASE_URL: url });
    expect(config.database.connectionString).to.equal(url);
    expect(config.database.database).to.equal('app');
    expect(postgresConnectionConfig(config).ssl).to.equal(true);
    const noVerify = loadWith(dirs, { DATABASE_URL: 'postgres://db/app?sslmode=no-verify' });
    expect(postgresConnectionConfig(noVerify).ssl).to.deep.equal({ rejectUnauthorized: false });
    const disabled = loadWith(dirs, { DATABASE_URL: 'postgres://db/app?sslmode=disable' });
    expect(postgresConnectionConfig(disabled).ssl).to.equal(false);
  });

  it('reads a Unix socket directory and an IPv6 host', () => {
    expect(loadWith(dirs, { DATABASE_URL: 'postgres://u@%2Fvar%2Frun%2Fpostgresql/app' }).database.host)
      .to.equal('/var/run/postgresql');
    const ipv6 = loadWith(dirs, { DATABASE_URL: 'postgres://u@[::1]:5433/app' });
    expect(ipv6.database.host).to.equal('::1');
    expect(describeDatabase(ipv6)).to.equal('postgres://u@[::1]:5433/app');
  });

  it('falls back to the POSTGRES_* variables without DATABASE_URL', () => {
    const { database } = loadWith(dirs, {
      POSTGRES_HOST: 'pg', POSTGRES_PORT: '5433', POSTGRES_USER: 'jobs', POSTGRES_PASSWORD: 'pw', POSTGRES_DB: 'record',
    });
    expect(database).to.deep.equal({
      connectionString: undefined, host: 'pg', port: 5433, user: 'jobs', password: 'pw', database: 'record',
      configured: true, schema: 'public',
    });
  });

  it('lets DATABASE_URL replace the POSTGRES_* variables, without checking them', () => {
    const { database } = loadWith(dirs, {
      DATABASE_URL: 'postgres://a@url-host/url-db', POSTGRES_HOST: 'ignored', POSTGRES_PORT: 'not checked',
    });
    expect(database).to.include({ host: 'url-host', database: 'url-db', user: 'a' });
  });

  it('is configured when DATABASE_URL or any POSTGRES_* variable is set, from any layer', () => {
    expect(loadWith(dirs, {}).database.configured).to.equal(false);
    expect(loadWith(dirs, { POSTGRES_HOST: '' }).database.configured).to.equal(false);
    for (const name of DATABASE_VARIABLES) {
      const value = name === 'DATABASE_URL' ? 'postgres://h/d' : name === 'POSTGRES_PORT' ? '5432' : 'x';
      expect(loadWith(dirs, { [name]: value }).database.configured, name).to.equal(true);
    }
    expect(loadConfig({ env: {}, cwd: dirs.dir('POSTGRES_DB=app\n') }).database.configured).to.equal(true);
  });

  it('gives pg its options, leaving out an absent password', () => {
    expect(postgresConnectionConfig(loadWith(dirs, {}))).to.deep.equal({
      host: 'localhost', port: 5432, user: 'postgres', database: 'postgres',
    });
    expect(postgresConnectionConfig(loadWith(dirs, { DATABASE_URL: 'postgres://u:p%40ss@h:1/d' }))).to.deep.equal({
      host: 'h', port: 1, user: 'u', password: 'p@ss', database: 'd',
    });
  });

  it('describes the database without its password', () => {
    const config = loadWith(dirs, { DATABASE_URL: 'postgres://jobs:s3cret@db:6543/app' });
    expect(describeDatabase(config)).to.equal('postgres://jobs@db:6543/app');
    expect(describeDatabase(loadWith(dirs, {}))).to.equal('postgres://postgres@localhost:5432/postgres');
  });
});

describe('config: bad connection URLs', () => {
  const dirs = tempDirs();
  after(() => dirs.cleanup());
  const FORM = 'expected postgres://user:password@host:port/database';

  it('refuses a DATABASE_URL that does not parse (the issue\'s example), masking the password', () => {
    const [problem, ...rest] = problemsFor(dirs, { DATABASE_URL: 'postgres://jobs:s3cret@db:port/app' });
    expect(rest).to.deep.equal([]);
    expect(problem).to.equal(`DATABASE_URL: not a valid URL; ${FORM}, got "postgres://jobs:***@db:port/app"`);
  });

  it('refuses other protocols, a missing host, port 0 and bad %-escapes, never echoing the password', () => {
    const bad: Array<[string, string]> = [
      ['mysql://root:s3cret@db/app', 'unsupported protocol "mysql:"'],
      ['http://root:s3cret@db/app', 'unsupported protocol "http:"'],
      ['postgres://root:s3cret@:5432/app', 'not a valid URL'],
      ['postgres:///app', 'missing host'],
      ['postgres://root:s3cret@db:0/app', 'port 0 is not a usable port'],
      ['postgres://root:s3cret%zz@db/app', 'malformed %-escape'],
      ['db.internal:5432', 'unsupported protocol "db.internal:"'],
    ];
    for (const [url, why] of bad) {
      const problems = problemsFor(dirs, { DATABASE_URL: url });
      expect(problems, url).to.have.length(1);
      expect(problems[0], url).to.match(/^DATABASE_URL: /);
      expect(problems[0], url).to.contain(why).and.contain(FORM);
      expect(problems[0], url).to.not.contain('s3cret');
    }
  });

  it('refuses a JOBS_REDIS_URL that is not redis:// or rediss://, masking the password', () => {
    const bad: Array<[string, string]> = [
      ['redis://:s3cret@cache:port', 'not a valid URL'],
      ['http://:s3cret@cache:6379', 'unsupported protocol "http:"'],
      ['cache:6379', 'unsupported protocol "cache:"'],
      ['redis://', 'missing host'],
      ['localhost', 'not a valid URL'],
    ];
    for (const [url, why] of bad) {
      const problems = problemsFor(dirs, { JOBS_REDIS_URL: url });
      expect(problems, url).to.have.length(1);
      expect(problems[0], url).to.match(/^JOBS_REDIS_URL: /);
      expect(problems[0], url).to.contain(why).and.contain('expected redis://');
      expect(problems[0], url).to.not.contain('s3cret');
    }
  });

  it('masks passwords even in strings that are not URLs', () => {
    expect(maskUrlPassword('postgres://u:p@ss/word@host/db')).to.equal('postgres://u:***@host/db');
    expect(maskUrlPassword('u:secret@host')).to.equal('u:***@host');
    expect(maskUrlPassword('postgres://host:5432/db')).to.equal('postgres://host:5432/db');
    expect(maskUrlPassword('nonsense')).to.equal('nonsense');
  });
});
