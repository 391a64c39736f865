import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { PluginError } from './plugin-error.js';

const BLOCK = 512;

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

/**
 * Reads `<top>/package.json` out of an npm tarball (gzip'd ustar, as `npm pack` writes it)
 * without unpacking it anywhere: the installer wants the name before it installs.
 */
export async function readTarballPackageJson(file: string): Promise<{ name?: string; version?: string }> {
  const invalid = (why: string, cause?: unknown) =>
    new PluginError('PLUGIN_SPEC_INVALID', `${file} is not an npm package tarball: ${why}`, { cause, details: { file } });
  let tar: Buffer;
  try {
    tar = gunzipSync(await readFile(file));
  } catch (error) {
    throw invalid(`cannot gunzip it (${(error as Error).message})`, error);
  }
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const prefix = field(header, 345, 155);
    const name = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const body = offset + BLOCK;
    if ((type === '0' || type === '\0') && /^[^/]+\/package\.json$/.test(name)) {
      try {
        return JSON.parse(tar.subarray(body, body + size).toString('utf8')) as { name?: string; version?: string };
      } catch (error) {
        throw invalid(`its package.json is not valid JSON (${(error as Error).message})`, error);
      }
    }
    offset = body + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw invalid('it has no package.json');
}
