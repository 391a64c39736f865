/**
 * Internal marker: the request or body read stopped because the deadline signal fired. The
 * processor swaps it for the real reason (payload timeout or the runtime's abort) before throwing.
 */
export class RequestAbortedError extends Error {
  constructor(cause: unknown) {
    super('request aborted', { cause });
    this.name = 'RequestAbortedError';
  }
}
