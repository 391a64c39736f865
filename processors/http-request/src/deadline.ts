/**
 * One signal that fires on the payload timeout or when the runtime aborts the job (timeout, cancel,
 * shutdown), remembering which of the two it was: a payload timeout is this request's own failure
 * (retry it), an abort from the runtime is the runtime's decision (report its reason unchanged).
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** The error to fail with once `signal` has fired. */
  abortError(requestDescription: string): Error;
  /** Clears the timer and the listener on the parent signal. */
  dispose(): void;
}

export const HTTP_TIMEOUT_CODE = 'HTTP_TIMEOUT';
export const HTTP_ABORTED_CODE = 'HTTP_ABORTED';

export function createDeadline(parent: AbortSignal, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onParentAbort = () => controller.abort(parent.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);

  if (parent.aborted) onParentAbort();
  else parent.addEventListener('abort', onParentAbort, { once: true });

  return {
    signal: controller.signal,
    abortError(requestDescription) {
      if (timedOut) {
        return Object.assign(new Error(`HTTP request timed out after ${timeoutMs} ms: ${requestDescription}`), {
          code: HTTP_TIMEOUT_CODE,
        });
      }
      return abortedError(parent.reason, requestDescription);
    },
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    },
  };
}

/**
 * The runtime aborts with a reason that already says why (e.g. its JobTimeoutError, recognised by
 * `code`): pass such a reason through. A bare abort() gives a DOMException "This operation was
 * aborted", which says nothing about the request, so that one is wrapped.
 */
function abortedError(reason: unknown, requestDescription: string): Error {
  if (reason instanceof Error && reason.name !== 'AbortError') return reason;
  return Object.assign(new Error(`HTTP request aborted: ${requestDescription}`, { cause: reason }), {
    code: HTTP_ABORTED_CODE,
  });
}
