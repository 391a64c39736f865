import { expect } from 'chai';
import { isPermanentJobError, isRetryLaterError } from '@nself-jobs/sdk';
import { freePort, startHttpServer, type TestHttpServer } from '@nself-jobs/test-helpers';
import processor from '../src/index.js';
import { HasuraActionError, startHasuraMimic, type HasuraMimic, type MimicAction } from './hasura-mimic.js';
import { JOB_ID, jobContext, rejection, runJob } from './job-context.js';

const SECRET = 'hasura-admin-s3cret';

function actions(): Record<string, MimicAction> {
  return {
    createUser: {
      args: { email: 'String!', name: 'String', tags: '[String!]' },
      returns: 'CreateUserOutput',
      roles: ['user'],
      handler: (args) => ({ id: 7, email: args.email, created: true, profile: { bio: `hi ${args.name}` } }),
    },
    sendReport: {
      args: { input: 'ReportInput!' },
      returns: 'String!',
      handler: (args) => `queued:${(args.input as { kind: string }).kind}`,
    },
    whoAmI: {
      args: {},
      returns: 'WhoAmIOutput',
      roles: ['user'],
      handler: (_args, session) => ({ role: session['x-hasura-role'] ?? 'admin', userId: session['x-hasura-user-id'] ?? null }),
    },
    adminOnly: { args: {}, returns: 'Boolean', handler: () => true },
    failing: {
      args: { code: 'String!' },
      defaults: {},
      returns: 'Boolean',
      handler: (args) => {
        throw new HasuraActionError(String(args.code), `handler failed with ${String(args.code)}`);
      },
    },
  };
}

const objects = {
  CreateUserOutput: { id: 'Int!', email: 'String!', created: 'Boolean!', profile: 'Profile' },
  Profile: { bio: 'String' },
  WhoAmIOutput: { role: 'String!', userId: 'String' },
};

describe('custom-hasura processor (against a local server that answers like Hasura)', () => {
  let hasura: HasuraMimic;
  let env: Record<string, string>;
  beforeEach(async () => {
    hasura = await startHasuraMimic({ adminSecret: SECRET, actions: actions(), objects, inputs: { ReportInput: { kind: 'String!' } } });
    env = { HASURA_GRAPHQL_ENDPOINT: hasura.endpoint, HASURA_ADMIN_SECRET: SECRET };
  });
  afterEach(async () => {
    await hasura.close();
    await processor.teardown?.();
  });

  it('declares the custom type', () => {
    expect(processor.type).to.equal('custom');
    expect(processor.setup).to.be.a('function');
  });

  it('calls the action as a mutation with typed variables and the admin secret, and returns the response data', async () => {
    const result = await runJob({ action: 'createUser', data: { email: 'ada@example.com', name: 'Ada' } }, { env });

    expect(result.action).to.equal('createUser');
    // Default selection: the scalar fields of the output type, not the nested object.
    expect(result.data).to.deep.equal({ createUser: { id: 7, email: 'ada@example.com', created: true } });
    expect(result.durationMs).to.be.a('number').and.at.least(0);

    const [call] = hasura.operations('NselfJobs_createUser');
    expect(call!.body.query).to.equal(
      'mutation NselfJobs_createUser($email: String!, $name: String) { createUser(email: $email, name: $name) { id email created } }',
    );
    expect(call!.body.variables).to.deep.equal({ email: 'ada@example.com', name: 'Ada' });
    expect(call!.headers).to.include({ 'x-hasura-admin-secret': SECRET, 'content-type': 'application/json', 'x-nself-job-id': JOB_ID });
    expect(call!.headers).to.not.have.property('x-hasura-role');
  });

  it('never puts a value in the query text, whatever it contains', async () => {
    const nasty = 'x") { id } deleteEverything { ok } #';
    const result = await runJob({ action: 'createUser', data: { email: nasty, tags: ['a', '$b'] } }, { env });
    expect(result.data).to.deep.equal({ createUser: { id: 7, email: nasty, created: true } });
    const [call] = hasura.operations('NselfJobs_createUser');
    expect(call!.body.query).to.not.include('deleteEverything');
    expect(call!.body.query).to.include('$tags: [String!]');
    expect(call!.body.variables).to.deep.equal({ email: nasty, tags: ['a', '$b'] });
  });

  it('uses the payload\'s selection for an object, and no selection for a scalar output', async () => {
    const withProfile = await runJob({ action: 'createUser', data: { email: 'a@b.co' }, selection: '{ id profile { bio } }' }, { env });
    expect(withProfile.data).to.deep.equal({ createUser: { id: 7, profile: { bio: 'hi undefined' } } });

    const scalar = await runJob({ action: 'sendReport', data: { input: { kind: 'daily' } } }, { env });
    expect(scalar.data).to.deep.equal({ sendReport: 'queued:daily' });
    expect(hasura.operations('NselfJobs_sendReport')[0]!.body.query)
      .to.equal('mutation NselfJobs_sendReport($input: ReportInput!) { sendReport(input: $input) }');
  });

  it('calls an action without arguments, with or without an empty data', async () => {
    expect((await runJob({ action: 'adminOnly' }, { env })).data).to.deep.equal({ adminOnly: true });
    expect((await runJob({ action: 'adminOnly', data: {} }, { env })).data).to.deep.equal({ adminOnly: true });
    expect(hasura.operations('NselfJobs_adminOnly')[0]!.body.query).to.equal('mutation NselfJobs_adminOnly { adminOnly }');
  });

  it('forwards the session variables as headers, with the admin secret; introspection stays admin', async () => {
    const result = await runJob({ action: 'whoAmI', session: { 'x-hasura-role': 'user', 'x-hasura-user-id': '42' } }, { env });
    expect(result.data).to.deep.equal({ whoAmI: { role: 'user', userId: '42' } });
    const [call] = hasura.operations('NselfJobs_whoAmI');
    expect(call!.headers).to.include({ 'x-hasura-role': 'user', 'x-hasura-user-id': '42', 'x-hasura-admin-secret': SECRET });
    const [introspection] = hasura.operations('NselfJobsMutationFields');
    expect(introspection!.headers).to.not.have.property('x-hasura-role');
  });

  it('reads the schema once per worker, not once per job', async () => {
    await processor.setup?.({ env, log: jobContext({ action: 'x' }).log });
    for (let i = 0; i < 3; i += 1) await processor.process(jobContext({ action: 'createUser', data: { email: `u${i}@x.co` } }));
    expect(hasura.operations('NselfJobsMutationFields')).to.have.length(1);
    expect(hasura.operations('NselfJobsOutputType')).to.have.length(1);
    expect(hasura.operations('NselfJobs_createUser')).to.have.length(3);
  });

  it('reads the schema again when Hasura refuses a signature from the cache (the action changed), and succeeds', async () => {
    await processor.setup?.({ env, log: jobContext({ action: 'x' }).log });
    await processor.process(jobContext({ action: 'createUser', data: { email: 'a@x.co' } }));
    hasura.actions.createUser!.args = { email: 'String!', name: 'String!' };
    hasura.actions.newAction = { args: {}, returns: 'Int', handler: () => 1 };
    const result = await processor.process(jobContext({ action: 'createUser', data: { email: 'b@x.co', name: 'B' } }));
    expect(result.data).to.deep.equal({ createUser: { id: 7, email: 'b@x.co', created: true } });
    expect(hasura.operations('NselfJobs_createUser').map((c) => c.body.query.match(/\$name: \w+!?/)?.[0])).to.deep.equal([undefined, '$name: String', '$name: String!']);
    // An action added after the schema was read is found too.
    expect((await processor.process(jobContext({ action: 'newAction' }))).data).to.deep.equal({ newAction: 1 });
  });

  describe('GraphQL errors (HTTP 200 with errors)', () => {
    it('retries an action handler failure (unexpected) and keeps the errors', async () => {
      const { error } = await rejection(runJob({ action: 'failing', data: { code: 'unexpected' } }, { env }));
      expect(isRetryLaterError(error), error.message).to.equal(true);
      expect(error.message).to.equal('calling Hasura action failing: Hasura answered with an error: unexpected: handler failed with unexpected; will retry');
      expect(error.codes).to.deep.equal(['unexpected']);
      expect(error.errors).to.deep.equal([{ message: 'handler failed with unexpected', extensions: { code: 'unexpected', path: '$' } }]);
    });

    it('retries codes it does not know, and postgres errors', async () => {
      for (const code of ['postgres-error', 'my-own-code']) {
        const { error } = await rejection(runJob({ action: 'failing', data: { code } }, { env }));
        expect(isRetryLaterError(error), code).to.equal(true);
      }
    });

    it('fails at once on validation-failed, not-exists, constraint-violation', async () => {
      for (const code of ['validation-failed', 'not-exists', 'constraint-violation']) {
        const { error } = await rejection(runJob({ action: 'failing', data: { code } }, { env }));
        expect(isPermanentJobError(error), code).to.equal(true);
        expect(error.message).to.include(`${code}: handler failed with ${code}`);
      }
    });

    it('fails at once when a variable has the wrong type for the argument', async () => {
      const { error } = await rejection(runJob({ action: 'createUser', data: { email: 42 } }, { env }));
      expect(isPermanentJobError(error)).to.equal(true);
      expect(error.message).to.match(/validation-failed: expected a string for type 'String'/);
    });

    it('fails at once when the role has no permission for the action', async () => {
      const { error } = await rejection(runJob({ action: 'adminOnly', session: { 'x-hasura-role': 'user' } }, { env }));
      expect(isPermanentJobError(error)).to.equal(true);
      expect(error.message).to.include("validation-failed: field 'adminOnly' not found in type: 'mutation_root'");
      // Refused for a signature just read: no second try.
      expect(hasura.operations('NselfJobs_adminOnly')).to.have.length(1);
    });

    it('fails at once on a wrong admin secret, without showing it', async () => {
      const { error } = await rejection(runJob({ action: 'adminOnly' }, { env: { ...env, HASURA_ADMIN_SECRET: 'wrong-secret' } }));
      expect(isPermanentJobError(error)).to.equal(true);
      expect(error.message).to.equal(
        'reading the mutations of the Hasura schema: Hasura answered with an error: access-denied: invalid x-hasura-admin-secret/x-hasura-access-key',
      );
      expect(error.message).to.not.include('wrong-secret');
    });
  });

  describe('HTTP and network failures', () => {
    let other: TestHttpServer | undefined;
    afterEach(async () => {
      await other?.close();
      other = undefined;
    });

    it('retries a 500 from the action call', async () => {
      hasura.failNextCall(500, 'internal error');
      const { error } = await rejection(runJob({ action: 'adminOnly' }, { env }));
      expect(isRetryLaterError(error)).to.equal(true);
      expect(error.status).to.equal(500);
      expect(error.message).to.match(/^calling Hasura action adminOnly: Hasura at http:\/\/127\.0\.0\.1:\d+\/v1\/graphql answered HTTP 500: internal error$/);
      // The next attempt goes through.
      expect((await runJob({ action: 'adminOnly' }, { env })).data).to.deep.equal({ adminOnly: true });
    });

    it('retries 503, 429 and 408 honouring Retry-After', async () => {
      hasura.failNextCall(503, 'busy', { 'retry-after': '7' });
      const { error } = await rejection(runJob({ action: 'adminOnly' }, { env }));
      expect(isRetryLaterError(error)).to.equal(true);
      expect(error.retryAfterMs).to.equal(7000);
      for (const status of [429, 408]) {
        hasura.failNextCall(status, '');
        expect(isRetryLaterError((await rejection(runJob({ action: 'adminOnly' }, { env }))).error), String(status)).to.equal(true);
      }
    });

    it('fails at once on other 4xx answers and on an endpoint that is not GraphQL', async () => {
      hasura.failNextCall(400, '{"path":"$","error":"bad","code":"bad-request"}');
      const bad = (await rejection(runJob({ action: 'adminOnly' }, { env }))).error;
      expect(isPermanentJobError(bad)).to.equal(true);
      expect(bad.message).to.include('answered HTTP 400 (check HASURA_GRAPHQL_ENDPOINT): {"path":"$","error":"bad","code":"bad-request"}');

      const notFound = (await rejection(runJob({ action: 'adminOnly' }, { env: { ...env, HASURA_GRAPHQL_ENDPOINT: `${hasura.url}/v2/graphql` } }))).error;
      expect(isPermanentJobError(notFound)).to.equal(true);
      expect(notFound.status).to.equal(404);

      other = await startHttpServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>login</html>'); });
      const html = (await rejection(runJob({ action: 'adminOnly' }, { env: { ...env, HASURA_GRAPHQL_ENDPOINT: other.url } }))).error;
      expect(isPermanentJobError(html)).to.equal(true);
      expect(html.message).to.include('not JSON');
    });

    it('retries when Hasura cannot be reached', async () => {
      const port = await freePort();
      const { error } = await rejection(runJob({ action: 'adminOnly' }, { env: { ...env, HASURA_GRAPHQL_ENDPOINT: `http://127.0.0.1:${port}/v1/graphql` } }));
      expect(isPermanentJobError(error)).to.equal(false);
      expect(error.code).to.equal('HASURA_NETWORK_ERROR');
      expect(error.message).to.match(/cannot reach Hasura at http:\/\/127\.0\.0\.1:\d+\/v1\/graphql \(ECONNREFUSED\)/);
    });

    it('gives up on a slow answer after payload.timeout, as a retryable error', async () => {
      hasura.callDelayMs = 1000;
      const { error, ms } = await rejection(runJob({ action: 'adminOnly', timeout: 200 }, { env }));
      expect(ms).to.be.lessThan(900);
      expect(isPermanentJobError(error)).to.equal(false);
      expect(error.code).to.equal('HASURA_TIMEOUT');
      expect(error.message).to.include('no answer from Hasura at');
    });

    it('stops at once with the runtime\'s reason when the job is cancelled', async () => {
      hasura.callDelayMs = 1000;
      const controller = new AbortController();
      const reason = new Error('job cancelled');
      setTimeout(() => controller.abort(reason), 100);
      const { error, ms } = await rejection(runJob({ action: 'adminOnly' }, { env, signal: controller.signal }));
      expect(error).to.equal(reason);
      expect(ms).to.be.lessThan(900);
    });
  });

  describe('configuration and payload checks (nothing is sent)', () => {
    it('fails permanently naming both variables when neither is set', async () => {
      const { error } = await rejection(runJob({ action: 'adminOnly' }, { env: {} }));
      expect(isPermanentJobError(error)).to.equal(true);
      expect(error.message).to.match(/^custom-hasura is not configured: HASURA_GRAPHQL_ENDPOINT and HASURA_ADMIN_SECRET are not set/);
      expect(hasura.server.requests).to.have.length(0);
    });

    it('names the one that is missing', async () => {
      const noSecret = (await rejection(runJob({ action: 'adminOnly' }, { env: { HASURA_GRAPHQL_ENDPOINT: hasura.endpoint } }))).error;
      expect(noSecret.message).to.match(/^custom-hasura is not configured: HASURA_ADMIN_SECRET is not set/);
      const noEndpoint = (await rejection(runJob({ action: 'adminOnly' }, { env: { HASURA_ADMIN_SECRET: SECRET } }))).error;
      expect(noEndpoint.message).to.match(/^custom-hasura is not configured: HASURA_GRAPHQL_ENDPOINT is not set/);
      expect(hasura.server.requests).to.have.length(0);
    });

    it('accepts Hasura\'s own HASURA_GRAPHQL_ADMIN_SECRET', async () => {
      const result = await runJob({ action: 'adminOnly' }, { env: { HASURA_GRAPHQL_ENDPOINT: hasura.endpoint, HASURA_GRAPHQL_ADMIN_SECRET: SECRET } });
      expect(result.data).to.deep.equal({ adminOnly: true });
    });

    it('refuses a bad action name, argument name, session header or selection that skipped schema validation', async () => {
      const cases: [object, RegExp][] = [
        [{ action: 'createUser { id } deleteAll' }, /payload.action must be a GraphQL name/],
        [{ action: '__schema' }, /payload.action must be a GraphQL name/],
        [{ action: 'createUser', data: { 'email: "x") { id } x(': 1 } }, /is not a GraphQL argument name/],
        [{ action: 'whoAmI', session: { 'x-hasura-admin-secret': 'guess' } }, /is not a session variable/],
        [{ action: 'whoAmI', session: { 'x-hasura-role': 'user\r\nx-evil: 1' } }, /without control characters/],
        [{ action: 'whoAmI', session: { authorization: 'Bearer x' } }, /is not a session variable/],
        [{ action: 'createUser', data: { email: 'a' }, selection: '{ id } deleteAll { ok }' }, /braces or parentheses close too early/],
        [{ action: 'createUser', data: { email: 'a' }, selection: '{ id name(arg: "}") }' }, /only names, numbers/],
        [{ action: 'createUser', data: { email: 'a' }, selection: 'id email' }, /must start with "\{"/],
      ];
      for (const [payload, message] of cases) {
        const { error } = await rejection(runJob(payload as never, { env }));
        expect(isPermanentJobError(error), JSON.stringify(payload)).to.equal(true);
        expect(error.message, JSON.stringify(payload)).to.match(message);
      }
      expect(hasura.operations().filter((o) => !o.body.operationName?.startsWith('NselfJobsMutation'))).to.have.length(0);
    });

    it('refuses unknown and missing arguments, naming the signature, before calling', async () => {
      const unknown = (await rejection(runJob({ action: 'createUser', data: { email: 'a', mail: 'b' } }, { env }))).error;
      expect(isPermanentJobError(unknown)).to.equal(true);
      expect(unknown.message).to.equal('action createUser has no argument mail (payload.data); its arguments: email: String!, name: String, tags: [String!]');
      const missing = (await rejection(runJob({ action: 'createUser', data: { name: 'x' } }, { env }))).error;
      expect(missing.message).to.match(/^action createUser needs email \(String!\) in payload.data/);
      const selection = (await rejection(runJob({ action: 'sendReport', data: { input: { kind: 'x' } }, selection: '{ id }' }, { env }))).error;
      expect(selection.message).to.match(/returns String!, a scalar: remove payload.selection/);
      expect(hasura.operations().filter((o) => o.body.operationName?.startsWith('NselfJobs_'))).to.have.length(0);
    });

    it('refuses an action that does not exist, and one outside JOBS_HASURA_ALLOWED_ACTIONS', async () => {
      const missing = (await rejection(runJob({ action: 'noSuchAction' }, { env }))).error;
      expect(isPermanentJobError(missing)).to.equal(true);
      expect(missing.message).to.match(/^Hasura has no mutation "noSuchAction"/);
      const limited = { ...env, JOBS_HASURA_ALLOWED_ACTIONS: 'whoAmI, sendReport' };
      const refused = (await rejection(runJob({ action: 'adminOnly' }, { env: limited }))).error;
      expect(refused.message).to.equal('action adminOnly is not in JOBS_HASURA_ALLOWED_ACTIONS (whoAmI, sendReport)');
      expect((await runJob({ action: 'whoAmI' }, { env: limited })).data).to.deep.equal({ whoAmI: { role: 'admin', userId: null } });
    });

    it('fails permanently on a malformed endpoint', async () => {
      const { error } = await rejection(runJob({ action: 'adminOnly' }, { env: { ...env, HASURA_GRAPHQL_ENDPOINT: 'hasura:8080' } }));
      expect(isPermanentJobError(error)).to.equal(true);
      expect(error.message).to.match(/^custom-hasura is misconfigured: HASURA_GRAPHQL_ENDPOINT must be an http\(s\):\/\/ URL/);
    });
  });
});
