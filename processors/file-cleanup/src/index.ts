import { defineProcessor, type SetupContext } from '@nself-jobs/sdk';
import { CleanupConnections } from './connections.js';
import type { FileCleanupPayload } from './payload.js';
import { performCleanup } from './perform-cleanup.js';
import type { FileCleanupResult } from './result.js';
import { settingsFromEnv, type CleanupSettings } from './settings.js';

export type { FileCleanupPayload, CleanupTarget } from './payload.js';
export type { FileCleanupResult } from './result.js';
export type { RecordCleanup } from './record-cleanup.js';
export { ENV } from './settings.js';
export { DEFAULT_QUEUES } from './perform-cleanup.js';
export { CLEAN_BATCH } from './backend-cleanup.js';

// Made by setup, once per worker process; connections open on the first job and close in teardown.
// A host that runs process() without setup gets the runtime's defaults (empty environment).
let state: { settings: CleanupSettings; connections: CleanupConnections } | undefined;

function stateFor(settings: CleanupSettings) {
  return { settings, connections: new CleanupConnections(settings) };
}

async function setup(context: SetupContext): Promise<void> {
  await state?.connections.close();
  const settings = settingsFromEnv(context.env);
  state = stateFor(settings);
  if (settings.problems.length > 0) {
    context.log.error(`file-cleanup is misconfigured; every cleanup job will fail until it is fixed: ${settings.problems.join('; ')}`);
  } else {
    context.log.info(`file-cleanup cleans the record in ${settings.databaseAddress} (schema ${settings.schema}) and the queues on ${settings.backend.address}`);
  }
}

export default defineProcessor<FileCleanupPayload, FileCleanupResult>({
  type: 'file-cleanup',
  setup,
  process: (context) => {
    state ??= stateFor(settingsFromEnv({}));
    return performCleanup(context, state.settings, state.connections);
  },
  teardown: async () => {
    const current = state;
    state = undefined;
    await current?.connections.close();
  },
});
