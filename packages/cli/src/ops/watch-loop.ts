/**
 * Calls `draw` now and then every `intervalMs` until SIGINT or SIGTERM; resolves then
 * (the caller closes what it opened). A draw that fails ends the loop with its error.
 */
export async function watchLoop(intervalMs: number, draw: () => Promise<void>): Promise<void> {
  let stop: (() => void) | undefined;
  let stopped = false;
  const onSignal = () => { stopped = true; stop?.(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    while (!stopped) {
      await draw();
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        stop = () => { clearTimeout(timer); resolve(); };
      });
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
