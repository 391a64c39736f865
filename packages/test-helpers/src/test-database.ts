import crypto from 'node:crypto';
import pg from 'pg';

/** The server URL the mocha global setup exported; tests never start their own cluster. */
export function testPostgresUrl(): string {
  const url = process.env.TEST_POSTGRES_URL;
  if (!url) throw new Error('TEST_POSTGRES_URL is not set: run the tests through mocha (npm test)');
  return url;
}

export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests through mocha (npm test)');
  return url;
}

/** Creates a fresh, empty database on the shared test server and returns its URL. */
export async function createTestDatabase(prefix = 'test'): Promise<string> {
  const name = `${prefix}_${crypto.randomBytes(6).toString('hex')}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const client = new pg.Client({ connectionString: testPostgresUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(testPostgresUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** A unique BullMQ key prefix, so that tests sharing one Redis never see each other's queues. */
export function uniquePrefix(label = 't'): string {
  return `${label}-${crypto.randomBytes(5).toString('hex')}`;
}
