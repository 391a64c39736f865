import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { createTestDatabase, testRedisUrl, uniquePrefix, waitFor } from '@nself-jobs/test-helpers';
import { request } from './support.js';

/**
 * `jobs server` as a user runs it: the real binary (packages/cli/bin/run.js over packages/cli/dist,
 * so build first) as a child process. It lives here because it tests this package's server.
 */
const BIN = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url));
const TEST_KIT_DIR = fileURLToPath(new URL('../../runtime/test/fixtures/processors/test-kit', import.meta.url));

async function env(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.tmpdir(),
    JOBS_REDIS_URL: testRedisUrl(),
    DATABASE_URL: await createTestDatabase('cli_server'),
    JOBS_QUEUE_PREFIX: uniquePrefix(),
    JOBS_PROCESSOR_PATHS: TEST_KIT_DIR,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

function run(args: string[], environment: Record<string, string>) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'nself-jobs-server-'));
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += String(chunk); });
  child.stderr.on('data', (chunk) => { stderr += String(chunk); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30000);
  void exited.then(() => clearTimeout(killer));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('jobs server (the CLI command, as a child process)', () => {
  it('prints the API and dashboard URLs, serves both, and exits 0 on SIGTERM after closing', async function () {
    this.timeout(40000);
    const proc = run(['server', '--port', '0'], await env());
    const apiUrl = await waitFor(() => /API:\s+(http:\/\/\S+)/.exec(proc.stdout())?.[1], `the API URL on stdout (stderr: ${proc.stderr()})`, 20000);
    const dashboardUrl = /Dashboard:\s+(http:\/\/\S+)/.exec(proc.stdout())?.[1];
    expect(apiUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    expect(dashboardUrl).to.equal(apiUrl.replace(/\/api$/, '/dashboard'));
    const base = apiUrl.replace(/\/api$/, '');
    expect((await request(base, 'GET', '/health')).status).to.equal(200);
    expect((await request(base, 'GET', '/ready')).status).to.equal(200);
    const created = await request(base, 'POST', '/api/jobs', { body: { type: 'echo', payload: { via: 'cli' } } });
    expect(created.status).to.equal(201);
    expect((await request(dashboardUrl!, 'GET', '')).status).to.equal(200);

    proc.child.kill('SIGTERM');
    const { code, signal } = await proc.exited;
    expect({ code, signal }, proc.stderr()).to.deep.equal({ code: 0, signal: null });
    expect(proc.stderr()).to.not.match(/\n\s+at /);
    await request(base, 'GET', '/health').then(
      () => expect.fail('the server still answers after exit'),
      (error: Error) => expect(error).to.be.instanceOf(Error),
    );
  });

  it('refuses --host 0.0.0.0 without a key (exit non-zero, a clear message), and takes --allow-public', async function () {
    this.timeout(40000);
    const refused = run(['server', '--host', '0.0.0.0', '--port', '0'], await env());
    const result = await refused.exited;
    expect(result.code).to.not.equal(0);
    expect(refused.stderr()).to.match(/refusing to listen on 0\.0\.0\.0 without an API key/);
    expect(refused.stderr()).to.not.match(/\n\s+at /);

    const allowed = run(['server', '--host', '0.0.0.0', '--port', '0', '--allow-public', '--json'], await env());
    const printed = await waitFor(() => {
      try {
        return JSON.parse(allowed.stdout().slice(allowed.stdout().indexOf('{'), allowed.stdout().indexOf('}') + 1)) as { url: string };
      } catch {
        return undefined;
      }
    }, `the JSON with URLs (stderr: ${allowed.stderr()})`, 20000);
    expect((await request(printed.url, 'GET', '/health')).status).to.equal(200);
    allowed.child.kill('SIGINT');
    expect((await allowed.exited).code).to.equal(0);
  });
});
