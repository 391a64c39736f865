const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const EXIT_CODES: Record<(typeof STOP_SIGNALS)[number], number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

export interface StopSignal {
  /** True once SIGINT, SIGTERM or SIGHUP arrived. */
  readonly requested: boolean;
  /** Resolves with the first of them. */
  readonly received: Promise<NodeJS.Signals>;
  dispose(): void;
}

/**
 * Listens from the very start of a command, so that Ctrl-C while PostgreSQL is still starting
 * still leads to an orderly stop. The first signal asks for a clean stop; a second one while
 * stopping calls `force` (last words, such as asking PostgreSQL to shut down) and exits at once.
 * SIGHUP counts too: a closed terminal must not leave a database behind.
 */
export function listenForStop(force: () => void): StopSignal {
  let requested = false;
  let resolve!: (signal: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((r) => { resolve = r; });
  const onSignal = (signal: NodeJS.Signals) => {
    if (!requested) {
      requested = true;
      resolve(signal);
      return;
    }
    process.stderr.write(`\n${signal} again: stopping at once\n`);
    force();
    process.exit(EXIT_CODES[signal as (typeof STOP_SIGNALS)[number]] ?? 1);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return {
    get requested() { return requested; },
    received,
    dispose: () => { for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal); },
  };
}
