import { isGraphqlName } from './graphql-names.js';

type Env = Readonly<Record<string, string | undefined>>;

export const ENV = {
  endpoint: 'HASURA_GRAPHQL_ENDPOINT',
  adminSecret: 'HASURA_ADMIN_SECRET',
  /** Hasura's own name for the secret, read when HASURA_ADMIN_SECRET is not set. */
  adminSecretAlias: 'HASURA_GRAPHQL_ADMIN_SECRET',
  allowedActions: 'JOBS_HASURA_ALLOWED_ACTIONS',
} as const;

/** What setup decides once per worker process. */
export interface HasuraSettings {
  endpoint: URL | undefined;
  adminSecret: string | undefined;
  /** Names of the variables that are missing (in the order the message lists them). */
  missing: string[];
  /** Bad values, each naming its variable. */
  problems: string[];
  /** When set, the only actions jobs may call. */
  allowedActions: ReadonlySet<string> | undefined;
}

export function settingsFromEnv(env: Env): HasuraSettings {
  const missing: string[] = [];
  const problems: string[] = [];

  const endpointText = env[ENV.endpoint]?.trim();
  let endpoint: URL | undefined;
  if (!endpointText) {
    missing.push(ENV.endpoint);
  } else {
    try {
      endpoint = new URL(endpointText);
    } catch {
      // reported below
    }
    if (!endpoint || (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:')) {
      problems.push(`${ENV.endpoint} must be an http(s):// URL such as http://hasura:8080/v1/graphql`);
      endpoint = undefined;
    } else if (endpoint.username || endpoint.password) {
      problems.push(`${ENV.endpoint} must not carry user:password@ (the admin secret is sent as a header)`);
      endpoint = undefined;
    }
  }

  // The secret is used as written: Hasura compares it byte for byte.
  const adminSecret = env[ENV.adminSecret] || env[ENV.adminSecretAlias] || undefined;
  if (adminSecret === undefined) missing.push(ENV.adminSecret);
  else if (/[\r\n\0]/.test(adminSecret)) problems.push(`${ENV.adminSecret} contains a line break or NUL, which no HTTP header can carry`);

  let allowedActions: Set<string> | undefined;
  const allowedText = env[ENV.allowedActions]?.trim();
  if (allowedText) {
    allowedActions = new Set(allowedText.split(',').map((name) => name.trim()).filter(Boolean));
    const bad = [...allowedActions].filter((name) => !isGraphqlName(name));
    if (bad.length > 0) problems.push(`${ENV.allowedActions} has entries that are not GraphQL names: ${bad.join(', ')}`);
  }
  return { endpoint, adminSecret, missing, problems, allowedActions };
}

/** "custom-hasura is not configured: HASURA_GRAPHQL_ENDPOINT and HASURA_ADMIN_SECRET are not set ...". */
export function describeMissing(missing: string[]): string {
  const names = missing.length === 1 ? `${missing[0]} is` : `${missing.join(' and ')} are`;
  return `custom-hasura is not configured: ${names} not set in the worker's environment ` +
    `(${ENV.endpoint}=http://hasura:8080/v1/graphql, ${ENV.adminSecret}=<the Hasura admin secret>)`;
}
