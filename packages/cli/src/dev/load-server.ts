import type { Runtime } from '@nself-jobs/runtime';

/** What `startServer` from @nself-jobs/server returns. */
export interface RunningServer {
  url: string;
  apiUrl: string;
  dashboardUrl: string | undefined;
  close(): Promise<void>;
}

export interface StartServerOptions {
  host?: string;
  port?: number;
  allowPublicWithoutKey?: boolean;
}

export type StartServer = (runtime: Runtime, options?: StartServerOptions) => Promise<RunningServer>;

/**
 * TEMPORARY (until @nself-jobs/server exports startServer): a dynamic import checked at run time,
 * so that this package compiles against a server package that does not export it yet.
 * Replace with `import { startServer } from '@nself-jobs/server'` once it does.
 */
export async function loadStartServer(): Promise<StartServer> {
  const server = (await import('@nself-jobs/server')) as unknown as { startServer?: StartServer };
  if (typeof server.startServer !== 'function') {
    throw new Error('@nself-jobs/server does not export startServer (is it built? run `npm run build`)');
  }
  return server.startServer;
}
