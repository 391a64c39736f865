import { fileURLToPath } from 'node:url';
import { processorContract } from '@nself-jobs/test-helpers';

// The contract every processor package keeps (see `jobs processors:new`): this built-in is held to it too.
await processorContract(fileURLToPath(new URL('..', import.meta.url)));
