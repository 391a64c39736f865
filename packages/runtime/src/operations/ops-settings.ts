import type { RuntimeConfig } from '../config/index.js';
import { ConfigError } from '../config/config-error.js';
import { boolean } from '../config/parse-values.js';

/**
 * Settings of the operations side, read from the same layers as the rest of the
 * configuration (.env, environment, overrides: config.env) and checked the same way.
 *
 * - JOBS_ALLOW_EVICTION (false): start although Redis may evict keys (maxmemory-policy other
 *   than noeviction), with a loud warning instead of a refusal.
 * - JOBS_METRICS_REQUIRE_KEY (false): /metrics asks for JOBS_API_KEY like /api. Off by default
 *   because Prometheus scrapers are usually set up without credentials and the metrics carry
 *   no job data (counts and durations by queue and type only).
 */
export interface OpsSettings {
  allowEviction: boolean;
  metricsRequireKey: boolean;
}

export function opsSettings(config: Pick<RuntimeConfig, 'env'>): OpsSettings {
  const problems: string[] = [];
  const flag = (name: string): boolean => {
    const raw = config.env[name];
    if (raw === undefined || raw === '') return false;
    const parsed = boolean(raw, { cwd: '.' });
    if (parsed.ok) return parsed.value;
    problems.push(`${name}: ${parsed.problem}`);
    return false;
  };
  const settings = { allowEviction: flag('JOBS_ALLOW_EVICTION'), metricsRequireKey: flag('JOBS_METRICS_REQUIRE_KEY') };
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}
