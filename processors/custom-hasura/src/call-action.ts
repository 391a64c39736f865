import { performance } from 'node:perf_hooks';
import { PermanentJobError, type JobContext } from '@nself-jobs/sdk';
import type { ActionCatalog, Transport } from './action-catalog.js';
import { buildMutation, chooseSelection } from './build-mutation.js';
import { postGraphql, type GraphqlRequest } from './graphql-client.js';
import { graphqlErrorsError, hasCode } from './graphql-errors.js';
import { resolvePayload, type CustomHasuraPayload } from './payload.js';
import type { CustomHasuraResult } from './result.js';
import { describeMissing, ENV, type HasuraSettings } from './settings.js';

/** Sent with the action call; Hasura passes it to the action handler when the action forwards client headers. */
export const JOB_ID_HEADER = 'x-nself-job-id';

/**
 * One attempt of one `custom` job: find the action's signature (introspection, cached), build the
 * mutation, POST it with the admin secret and the session variables, and return the response data.
 * A validation error answered to a signature taken from the cache (the action may have changed
 * since) reads the schema again and sends once more: Hasura never ran a request it did not validate.
 */
export async function callAction(
  context: JobContext<CustomHasuraPayload>,
  settings: HasuraSettings,
  catalog: ActionCatalog,
): Promise<CustomHasuraResult> {
  if (settings.missing.length > 0) throw new PermanentJobError(describeMissing(settings.missing));
  if (settings.problems.length > 0) throw new PermanentJobError(`custom-hasura is misconfigured: ${settings.problems.join('; ')}`);
  const endpoint = settings.endpoint!;
  const adminSecret = settings.adminSecret!;
  const payload = resolvePayload(context.payload);
  const { action } = payload;
  if (settings.allowedActions && !settings.allowedActions.has(action)) {
    throw new PermanentJobError(`action ${action} is not in ${ENV.allowedActions} (${[...settings.allowedActions].join(', ')})`);
  }

  const post = (request: GraphqlRequest, what: string, headers: Record<string, string>) =>
    postGraphql({ endpoint, adminSecret, headers, request, what, timeoutMs: payload.timeout, signal: context.signal });
  // Introspection runs as admin: roles often have introspection disabled, and the types are the same.
  const introspect: Transport = (request, what) => post(request, what, {});
  const headers = { ...payload.session, [JOB_ID_HEADER]: context.id };
  const what = `calling Hasura action ${action}`;

  context.log.info('hasura action', { action, session: Object.keys(payload.session) });
  const started = performance.now();
  for (let round = 1; ; round += 1) {
    const { field, fresh } = await catalog.mutation(action, introspect);
    const selection = await chooseSelection(payload, field, (typeName) => catalog.objectFields(typeName, introspect));
    const response = await post(buildMutation(payload, field, selection), what, headers);
    const errors = response.errors ?? [];
    if (errors.length > 0) {
      if (round === 1 && !fresh && hasCode(errors, 'validation-failed')) {
        context.log.info('hasura refused a cached signature; reading the schema again', { action });
        catalog.invalidate();
        continue;
      }
      throw graphqlErrorsError(what, errors);
    }
    const data = response.data;
    if (!data || typeof data !== 'object' || !(action in data)) {
      throw new PermanentJobError(`${what}: the answer has neither data.${action} nor errors`);
    }
    return { action, data, durationMs: Math.round(performance.now() - started) };
  }
}
