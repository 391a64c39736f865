import type { IncomingMessage } from 'node:http';
import { addAbortSignal } from 'node:stream';
import { networkError } from './network-error.js';
import { RequestAbortedError } from './request-aborted-error.js';

export interface ReadBody {
  bytes: Buffer;
  truncated: boolean;
}

/**
 * Reads at most `maxBytes` of the body. Past the cap it stops and destroys the response rather than
 * draining it: a huge or endless answer must cost neither memory nor time.
 */
export function readBody(response: IncomingMessage, maxBytes: number, signal: AbortSignal, requestDescription: string): Promise<ReadBody> {
  addAbortSignal(signal, response);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    response.on('data', (chunk: Buffer) => {
      if (done) return;
      if (size + chunk.length <= maxBytes) {
        chunks.push(chunk);
        size += chunk.length;
        return;
      }
      chunks.push(chunk.subarray(0, maxBytes - size));
      done = true;
      response.destroy();
      resolve({ bytes: Buffer.concat(chunks), truncated: true });
    });
    response.on('end', () => resolve({ bytes: Buffer.concat(chunks), truncated: false }));
    response.on('error', (error) => {
      if (signal.aborted) reject(new RequestAbortedError(signal.reason));
      else reject(networkError(error, requestDescription));
    });
  });
}
