import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { waitFor } from '@nself-jobs/test-helpers';
import { startTestServer, type TestServer } from './support.js';

const run = promisify(execFile);
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));

// The flags this machine needs: no sandbox as root, and no background traffic to hosts it cannot reach.
const HEADLESS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--window-size=1280,800',
  '--virtual-time-budget=5000'];

describe('server: the dashboard in a real browser (when Debian\'s chromium is installed)', function () {
  let t: TestServer;
  let profile: string;

  before(async function () {
    if (!CHROMIUM) this.skip();
    t = await startTestServer();
    await t.runtime.startWorkers({ queues: ['default'], concurrency: 1 });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'nself-jobs-chromium-'));
  });
  after(async () => {
    await t?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  it('renders every queue (the React app ran) and takes a screenshot', async function () {
    this.timeout(90000);
    const created = await t.call('POST', '/api/jobs', { body: { type: 'refuse', payload: {} } });
    await waitFor(async () => (await t.call('GET', `/api/jobs/${created.body.id}`)).body.status === 'failed', 'the job to fail');

    const page = `${t.url}/dashboard/`;
    // --dump-dom prints the DOM after the page's scripts ran: the queues are rendered by the React app, not in the HTML.
    const { stdout: dom } = await run(CHROMIUM!, [...HEADLESS, `--user-data-dir=${profile}`, '--dump-dom', page], { timeout: 60000, maxBuffer: 20 * 1024 * 1024 });
    for (const queue of ['default', 'high-priority', 'low-priority']) expect(dom, queue).to.contain(queue);
    expect(dom).to.not.contain('<title>Error');

    const shot = path.join(profile, 'dashboard.png');
    await run(CHROMIUM!, [...HEADLESS, `--user-data-dir=${profile}-2`, `--screenshot=${shot}`, page], { timeout: 60000 });
    const png = fs.readFileSync(shot);
    expect(png.subarray(1, 4).toString()).to.equal('PNG');
    expect(png.length).to.be.greaterThan(10000);
    fs.rmSync(`${profile}-2`, { recursive: true, force: true });
  });
});
