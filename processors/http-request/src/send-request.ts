import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPermanentJobError, PermanentJobError } from '@nself-jobs/sdk';
import { assertAddressAllowed, guardedLookup } from './address-guard.js';
import { describeRequest } from './describe-url.js';
import { networkError } from './network-error.js';
import { RequestAbortedError } from './request-aborted-error.js';

export interface SendRequestOptions {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Buffer;
  /** Fires on timeout / cancel; the caller turns the abort into the right error. */
  signal: AbortSignal;
  allowLinkLocal: boolean;
  /** The resolver behind the address guard; dns.lookup unless a test injects one. */
  resolve?: LookupFunction;
}

/**
 * Sends one request and resolves with the response head; the body is left to read-body.
 * Every connection goes through the guarded lookup, and since node skips `lookup` for IP literals
 * those are checked here before anything is opened. No redirects are followed, no agent pooling:
 * a pooled socket could be reused by a request whose lookup was never consulted.
 */
export function sendRequest(options: SendRequestOptions): Promise<IncomingMessage> {
  const { method, url, signal } = options;
  const description = describeRequest(method, url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  try {
    if (isIP(host) !== 0) assertAddressAllowed(host, host, options.allowLinkLocal);
  } catch (refusal) {
    return Promise.reject(refusal);
  }
  if (signal.aborted) return Promise.reject(new RequestAbortedError(signal.reason));

  return new Promise((resolve, reject) => {
    let request: http.ClientRequest;
    try {
      request = (url.protocol === 'https:' ? https : http).request({
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        auth: url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
        method,
        headers: options.headers,
        agent: false,
        lookup: guardedLookup(options.allowLinkLocal, options.resolve),
        signal,
      });
    } catch (error) {
      // Invalid header names/values: node's message names the header, never its value.
      reject(new PermanentJobError(`invalid request for ${description}: ${(error as Error).message}`, { cause: error }));
      return;
    }
    // Stays attached after the response arrives: a late socket error must not crash the worker.
    request.on('error', (error) => {
      if (signal.aborted) reject(new RequestAbortedError(signal.reason));
      else if (isPermanentJobError(error)) reject(error); // the address guard's refusal
      else reject(networkError(error, description));
    });
    request.on('response', resolve);
    request.end(options.body);
  });
}
