import type { ServerResponse } from 'node:http';
import { startHttpServer, type RecordedRequest, type TestHttpServer } from '@nself-jobs/test-helpers';

/**
 * A local HTTP server that speaks GraphQL at /v1/graphql the way Hasura v2 does, for the parts
 * custom-hasura uses:
 * - the admin secret: a missing or wrong `x-hasura-admin-secret` gets HTTP 200 with
 *   {"errors":[{"extensions":{"path":"$","code":"access-denied"},"message":"invalid x-hasura-admin-secret/x-hasura-access-key"}]}
 *   (Hasura answers GraphQL requests with 200 even then; only the metadata API uses 401/400);
 * - session variables: with the admin secret, `x-hasura-role` (and the other x-hasura-* headers)
 *   run the request as that role; an action the role has no permission for does not exist for it;
 * - introspection of the mutation root and of object types (standard GraphQL);
 * - validation as Hasura reports it (`validation-failed`): unknown field or argument, variable type
 *   not matching the argument type, missing required argument, null for a non-null variable,
 *   missing or superfluous selection set, unknown field in the selection;
 * - an action handler's error as Hasura relays it: {"errors":[{"message", "extensions":{"code"}}]}.
 * It parses only the shape of query custom-hasura sends, not GraphQL in general.
 */
export interface MimicAction {
  /** Argument name -> GraphQL type, e.g. { email: 'String!', tags: '[String!]' }. */
  args: Record<string, string>;
  /** Arguments with a default value (GraphQL literal). */
  defaults?: Record<string, string>;
  /** Output type, e.g. 'CreateUserOutput' or 'String!'. */
  returns: string;
  /** Roles allowed besides admin. */
  roles?: string[];
  handler(args: Record<string, unknown>, session: Record<string, string>): unknown;
}

/** What an action handler throws to make Hasura answer with an error. */
export class HasuraActionError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export interface HasuraMimic {
  url: string;
  endpoint: string;
  server: TestHttpServer;
  actions: Record<string, MimicAction>;
  /** Requests by GraphQL operation name. */
  operations(name?: string): { body: { query: string; variables?: Record<string, unknown>; operationName?: string }; headers: RecordedRequest['headers'] }[];
  /** Answers the next action call (not introspection) with this raw HTTP response instead. */
  failNextCall(status: number, body: string, headers?: Record<string, string>): void;
  /** Delays every action call by this many milliseconds. */
  callDelayMs: number;
  close(): Promise<void>;
}

interface TypeRef { kind: string; name: string | null; ofType: TypeRef | null }

export async function startHasuraMimic(options: {
  adminSecret: string;
  actions: Record<string, MimicAction>;
  objects?: Record<string, Record<string, string>>;
  inputs?: Record<string, Record<string, string>>;
}): Promise<HasuraMimic> {
  const objects = options.objects ?? {};
  const inputs = options.inputs ?? {};
  const failures: { status: number; body: string; headers: Record<string, string> }[] = [];

  const kindOf = (name: string) => (objects[name] ? 'OBJECT' : inputs[name] ? 'INPUT_OBJECT' : 'SCALAR');
  const ref = (text: string): TypeRef => {
    if (text.endsWith('!')) return { kind: 'NON_NULL', name: null, ofType: ref(text.slice(0, -1)) };
    if (text.startsWith('[')) return { kind: 'LIST', name: null, ofType: ref(text.slice(1, -1)) };
    return { kind: kindOf(text), name: text, ofType: null };
  };
  const base = (text: string) => text.replace(/[[\]!]/g, '');

  const mimic: HasuraMimic = {
    url: '',
    endpoint: '',
    server: undefined as unknown as TestHttpServer,
    actions: options.actions,
    callDelayMs: 0,
    operations(name) {
      return mimic.server.requests
        .filter((r) => r.method === 'POST')
        .map((r) => ({ body: safeJson(r.body) as { query: string; variables?: Record<string, unknown>; operationName?: string }, headers: r.headers }))
        .filter((r) => name === undefined || r.body?.operationName === name);
    },
    failNextCall(status, body, headers = {}) {
      failures.push({ status, body, headers });
    },
    close: () => mimic.server.close(),
  };

  const visibleActions = (role: string) =>
    Object.entries(mimic.actions).filter(([, a]) => role === 'admin' || (a.roles ?? []).includes(role));

  function introspectMutations() {
    return {
      data: {
        __schema: {
          mutationType: {
            name: 'mutation_root',
            fields: visibleActions('admin').map(([name, a]) => ({
              name,
              args: Object.entries(a.args).map(([arg, type]) => ({ name: arg, defaultValue: a.defaults?.[arg] ?? null, type: ref(type) })),
              type: ref(a.returns),
            })),
          },
        },
      },
    };
  }

  function introspectType(name: unknown) {
    const fields = typeof name === 'string' ? objects[name] : undefined;
    if (!fields) return { data: { __type: null } };
    return {
      data: {
        __type: {
          kind: 'OBJECT',
          name,
          fields: Object.entries(fields).map(([field, type]) => ({ name: field, args: [], type: ref(type) })),
        },
      },
    };
  }

  async function runMutation(query: string, variables: Record<string, unknown>, session: Record<string, string>) {
    const match = /^mutation (\w+)(?:\(([^)]*)\))? \{ (\w+)(?:\(([^)]*)\))?(?: (\{.*\}))? \}$/s.exec(query);
    if (!match) return invalid('parse-failed', 'not a query this mimic understands');
    const [, , declText = '', field, argText = '', selection] = match;
    const role = session['x-hasura-role'] ?? 'admin';
    const action = visibleActions(role).find(([name]) => name === field)?.[1];
    if (!action) return invalid('validation-failed', `field '${field}' not found in type: 'mutation_root'`);

    const declared = new Map(declText.split(',').map((d) => d.trim()).filter(Boolean).map((d) => {
      const [name, type] = d.split(':').map((s) => s.trim());
      return [name!.replace(/^\$/, ''), type!] as const;
    }));
    const used = new Map(argText.split(',').map((d) => d.trim()).filter(Boolean).map((d) => {
      const [name, value] = d.split(':').map((s) => s.trim());
      return [name!, value!.replace(/^\$/, '')] as const;
    }));
    const args: Record<string, unknown> = {};
    for (const [arg, variable] of used) {
      const expected = action.args[arg];
      if (!expected) return invalid('validation-failed', `'${field}' has no argument named '${arg}'`);
      const type = declared.get(variable);
      if (type === undefined) return invalid('validation-failed', `unbound variable '${variable}'`);
      if (type !== expected && type !== `${expected}!`) {
        return invalid('validation-failed', `variable '${variable}' is declared as '${type}', but used where '${expected}' is expected`);
      }
      const value = variables[variable];
      if (type.endsWith('!') && (value === null || value === undefined)) {
        return invalid('validation-failed', `expecting a value for non-nullable variable: "${variable}"`);
      }
      const problem = valueProblem(type, value);
      if (problem) return invalid('validation-failed', problem);
      args[arg] = value;
    }
    for (const [arg, type] of Object.entries(action.args)) {
      if (type.endsWith('!') && !used.has(arg) && action.defaults?.[arg] === undefined) {
        return invalid('validation-failed', `missing required field '${arg}'`);
      }
    }
    const output = base(action.returns);
    const outputFields = objects[output];
    if (outputFields && !selection) return invalid('validation-failed', `missing selection set for '${output}'`);
    if (!outputFields && selection) return invalid('validation-failed', `unexpected subselection set for non-object field`);
    const picked = selection ? topLevelFields(selection) : [];
    for (const name of picked) {
      if (name !== '__typename' && !outputFields![name]) return invalid('validation-failed', `field '${name}' not found in type: '${output}'`);
    }

    let value: unknown;
    try {
      value = await action.handler(args, session);
    } catch (error) {
      if (error instanceof HasuraActionError) return { errors: [{ message: error.message, extensions: { code: error.code, path: '$' } }] };
      throw error;
    }
    if (outputFields && value && typeof value === 'object') {
      const shaped: Record<string, unknown> = {};
      for (const name of picked) shaped[name] = name === '__typename' ? output : (value as Record<string, unknown>)[name] ?? null;
      value = shaped;
    }
    return { data: { [field!]: value } };
  }

  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  mimic.server = await startHttpServer(async (req, res) => {
    if (req.url !== '/v1/graphql') return answer(res, 404, { path: '$', error: 'resource does not exist', code: 'not-found' });
    if (req.method !== 'POST') return answer(res, 405, { path: '$', error: 'only POST is allowed', code: 'method-not-allowed' });
    const secret = req.headers['x-hasura-admin-secret'];
    if (secret === undefined) return answer(res, 200, accessDenied('x-hasura-admin-secret/x-hasura-access-key required, but not found'));
    if (secret !== options.adminSecret) return answer(res, 200, accessDenied('invalid x-hasura-admin-secret/x-hasura-access-key'));
    const body = safeJson(req.body) as { query?: unknown; variables?: Record<string, unknown>; operationName?: unknown } | undefined;
    if (!body || typeof body.query !== 'string') return answer(res, 200, invalid('parse-failed', 'the request body is not a GraphQL request'));

    if (body.operationName === 'NselfJobsMutationFields') return answer(res, 200, introspectMutations());
    if (body.operationName === 'NselfJobsOutputType') return answer(res, 200, introspectType(body.variables?.name));

    if (mimic.callDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, mimic.callDelayMs));
    const failure = failures.shift();
    if (failure) {
      res.writeHead(failure.status, { 'content-type': 'text/plain', ...failure.headers });
      res.end(failure.body);
      return;
    }
    const session = Object.fromEntries(
      Object.entries(req.headers)
        .filter(([name]) => name.startsWith('x-hasura-') && name !== 'x-hasura-admin-secret')
        .map(([name, value]) => [name, String(value)]),
    );
    return answer(res, 200, await runMutation(body.query, body.variables ?? {}, session));
  });
  mimic.url = mimic.server.url;
  mimic.endpoint = `${mimic.server.url}/v1/graphql`;
  return mimic;
}

function accessDenied(message: string) {
  return { errors: [{ extensions: { path: '$', code: 'access-denied' }, message }] };
}

function invalid(code: string, message: string) {
  return { errors: [{ extensions: { path: '$.selectionSet', code }, message }] };
}

function valueProblem(type: string, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const inner = type.replace(/!$/, '');
  if (inner.startsWith('[')) {
    if (!Array.isArray(value)) return `expected a list for type '${inner}'`;
    for (const item of value) {
      const problem = valueProblem(inner.slice(1, -1), item);
      if (problem) return problem;
    }
    return undefined;
  }
  return scalarProblem(inner, value);
}

function scalarProblem(type: string, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (type === 'String' && typeof value !== 'string') return `expected a string for type 'String', but found ${typeof value}`;
  if (type === 'Int' && !Number.isInteger(value)) return `expected a 32-bit integer for type 'Int', but found ${typeof value}`;
  if (type === 'Boolean' && typeof value !== 'boolean') return `expected a boolean for type 'Boolean', but found ${typeof value}`;
  return undefined;
}

/** Field names at the top level of a selection set (aliases not handled: not used by the tests). */
function topLevelFields(selection: string): string[] {
  const inner = selection.trim().slice(1, -1);
  const names: string[] = [];
  let depth = 0;
  for (const token of inner.match(/[_A-Za-z][_0-9A-Za-z]*|[{}()]/g) ?? []) {
    if (token === '{' || token === '(') depth += 1;
    else if (token === '}' || token === ')') depth -= 1;
    else if (depth === 0) names.push(token);
  }
  return names;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
