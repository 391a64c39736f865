export { createApp, type AppOptions } from './create-app.js';
export { startServer, isLoopbackHost, type StartServerOptions, type RunningServer } from './start-server.js';
export { STATUS_OF_CODE } from './error-middleware.js';
export { ApiError, type ErrorBody } from './api-error.js';
export { startMetricsServer, type MetricsServer } from './metrics-server.js';
