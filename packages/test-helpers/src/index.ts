export { freePort, waitForPort } from './free-port.js';
export { startRedis, type RunningRedis, type StartRedisOptions } from './redis-server.js';
export { startPostgres, findPostgresBinDir, type RunningPostgres } from './postgres-server.js';
export { createTestDatabase, testPostgresUrl, testRedisUrl, uniquePrefix } from './test-database.js';
export { startHttpServer, type TestHttpServer, type RecordedRequest, type TestHandler } from './http-server.js';
export { waitFor } from './wait-for.js';
export { processorContract } from './processor-contract.js';
