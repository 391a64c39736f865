import { spawn } from 'node:child_process';
import { PluginError } from './plugin-error.js';

export interface NpmResult {
  stdout: string;
  stderr: string;
}

/** Options every installer command passes: quiet, no audit, no funding notice, no update check. */
export const NPM_QUIET = ['--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=error'];

/** The last lines of npm's output: where it says what went wrong. */
function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/**
 * Runs `npm <args>` in `cwd` with the user's npm configuration (registry, auth, proxy come from
 * their .npmrc). `npm` is taken from PATH, or from JOBS_NPM when set. Rejects with NPM_FAILED and
 * npm's own last words when it exits non-zero, cannot be started or runs past `timeoutMs`.
 */
export function runNpm(args: string[], options: { cwd: string; timeoutMs?: number }): Promise<NpmResult> {
  const npm = process.env.JOBS_NPM || 'npm';
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const command = `npm ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(npm, args, {
      cwd: options.cwd,
      env: { ...process.env, npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += String(chunk); });
    child.stderr.on('data', (chunk) => { stderr += String(chunk); });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGTERM'); }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new PluginError('NPM_FAILED', `cannot run ${npm}: ${error.message}; install npm or set JOBS_NPM to its path`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout, stderr });
      const why = timedOut ? `did not finish within ${timeoutMs} ms` : signal ? `was killed (${signal})` : `exited with ${code}`;
      const output = tail(stderr) || tail(stdout);
      reject(new PluginError('NPM_FAILED', `${command} ${why}${output ? `:\n${output}` : ''}`, { details: { args, code, stdout, stderr } }));
    });
  });
}
