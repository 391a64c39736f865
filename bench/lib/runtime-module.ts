/**
 * Where the runtime under test is loaded from. `src` runs the TypeScript sources through
 * tsx (always current, even while the packages are being edited); `dist` runs what `tsc -b`
 * built, which is what production runs. tsx compiles with esbuild's keepNames, so every
 * named function or arrow created per job also costs a `__name()` call (Object.defineProperty)
 * that the tsc output does not have: compare both when the per-job Node cost matters.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type RuntimeModule = typeof import('../../packages/runtime/src/index.js');
export type RuntimeFrom = 'src' | 'dist';

const RUNTIME_DIR = fileURLToPath(new URL('../../packages/runtime', import.meta.url));

export async function loadRuntimeModule(from: RuntimeFrom): Promise<RuntimeModule> {
  if (from === 'src') return import('../../packages/runtime/src/index.js');
  const stale = staleDistFiles();
  if (stale.length > 0) {
    throw new Error(`packages/runtime/dist is older than its sources (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}): `
      + 'run `npx tsc -b` first, or use --runtime-from src');
  }
  return (await import(path.join(RUNTIME_DIR, 'dist/index.js'))) as RuntimeModule;
}

/** Sources newer than their compiled file (or without one). */
function staleDistFiles(): string[] {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(RUNTIME_DIR, 'src', dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const js = path.join(RUNTIME_DIR, 'dist', rel.replace(/\.ts$/, '.js'));
        const src = path.join(RUNTIME_DIR, 'src', rel);
        if (!fs.existsSync(js) || fs.statSync(src).mtimeMs > fs.statSync(js).mtimeMs) stale.push(`src/${rel}`);
      }
    }
  };
  walk('.');
  return stale;
}
