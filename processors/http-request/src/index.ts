import { defineProcessor, type SetupContext } from '@nself-jobs/sdk';
import type { HttpRequestResult } from './classify-response.js';
import type { HttpRequestPayload } from './payload.js';
import { performRequest } from './perform-request.js';
import { ALLOW_LINK_LOCAL_ENV, settingsFromEnv, type HttpRequestSettings } from './settings.js';

export type { HttpRequestPayload, HttpMethod } from './payload.js';
export type { HttpRequestResult } from './classify-response.js';
export { ALLOW_LINK_LOCAL_ENV } from './settings.js';

// Filled by setup; if a host runs process() without setup, the guard stays closed (empty env).
let settings: HttpRequestSettings | undefined;

function setup(context: SetupContext): void {
  settings = settingsFromEnv(context.env);
  if (settings.allowLinkLocal) {
    context.log.warn(`${ALLOW_LINK_LOCAL_ENV}=true: http-request jobs may reach link-local and cloud-metadata addresses`);
  }
}

export default defineProcessor<HttpRequestPayload, HttpRequestResult>({
  type: 'http-request',
  setup,
  process: (context) => performRequest(context, (settings ??= settingsFromEnv({}))),
});
