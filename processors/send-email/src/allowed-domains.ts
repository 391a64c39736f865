import { normaliseDomain } from './parse-address.js';

export const ALLOWED_DOMAINS_ENV = 'JOBS_EMAIL_ALLOWED_DOMAINS';

/** `example.com` allows exactly that domain; `*.example.com` allows its subdomains (not the apex). */
export interface DomainRule {
  domain: string;
  subdomains: boolean;
}

/**
 * Parses JOBS_EMAIL_ALLOWED_DOMAINS (comma separated). Unset or blank: no restriction (undefined).
 * A bad entry is a configuration problem, reported rather than skipped: skipping it could turn a
 * restriction into something wider or narrower than the operator wrote.
 */
export function parseAllowedDomains(value: string | undefined): { rules?: DomainRule[]; problems: string[] } {
  if (value === undefined || value.trim() === '') return { problems: [] };
  const rules: DomainRule[] = [];
  const problems: string[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const subdomains = entry.startsWith('*.');
    const domain = normaliseDomain(subdomains ? entry.slice(2) : entry);
    if (!domain) problems.push(`${ALLOWED_DOMAINS_ENV}: "${entry}" is not a domain name (use example.com or *.example.com)`);
    else rules.push({ domain, subdomains });
  }
  if (rules.length === 0 && problems.length === 0) return { problems };
  return { rules, problems };
}

export function isDomainAllowed(domain: string, rules: readonly DomainRule[]): boolean {
  return rules.some((rule) => (rule.subdomains ? domain.endsWith(`.${rule.domain}`) : domain === rule.domain));
}

export function describeRules(rules: readonly DomainRule[]): string {
  return rules.map((rule) => (rule.subdomains ? `*.${rule.domain}` : rule.domain)).join(', ');
}
