import { defineProcessor, type SetupContext } from '@nself-jobs/sdk';
import { ActionCatalog } from './action-catalog.js';
import { callAction } from './call-action.js';
import type { CustomHasuraPayload } from './payload.js';
import type { CustomHasuraResult } from './result.js';
import { describeEndpoint } from './graphql-client.js';
import { describeMissing, settingsFromEnv, type HasuraSettings } from './settings.js';

export type { CustomHasuraPayload } from './payload.js';
export type { CustomHasuraResult } from './result.js';
export { ENV } from './settings.js';
export { PERMANENT_CODES } from './graphql-errors.js';
export { JOB_ID_HEADER } from './call-action.js';
export { CATALOG_TTL_MS } from './action-catalog.js';

// Made by setup, once per worker process. A host that runs process() without setup gets an empty
// environment, hence the "not configured" failure naming both variables.
let state: { settings: HasuraSettings; catalog: ActionCatalog } | undefined;

function setup(context: SetupContext): void {
  const settings = settingsFromEnv(context.env);
  state = { settings, catalog: new ActionCatalog() };
  if (settings.missing.length > 0) {
    context.log.warn(`${describeMissing(settings.missing)}; custom jobs will fail`);
  } else if (settings.problems.length > 0) {
    context.log.error(`custom-hasura is misconfigured; every custom job will fail until it is fixed: ${settings.problems.join('; ')}`);
  } else {
    context.log.info(`custom-hasura calls Hasura at ${describeEndpoint(settings.endpoint!)}`);
  }
}

export default defineProcessor<CustomHasuraPayload, CustomHasuraResult>({
  type: 'custom',
  setup,
  process: (context) => {
    state ??= { settings: settingsFromEnv({}), catalog: new ActionCatalog() };
    return callAction(context, state.settings, state.catalog);
  },
  teardown: () => {
    state = undefined;
  },
});
