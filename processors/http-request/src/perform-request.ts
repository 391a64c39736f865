import { performance } from 'node:perf_hooks';
import type { JobContext } from '@nself-jobs/sdk';
import { classifyResponse, type HttpRequestResult } from './classify-response.js';
import { createDeadline } from './deadline.js';
import { decodeBody } from './decode-body.js';
import { describeRequest, describeUrl } from './describe-url.js';
import { resolvePayload, type HttpRequestPayload } from './payload.js';
import { readBody } from './read-body.js';
import { RequestAbortedError } from './request-aborted-error.js';
import { prepareRequest } from './request-body.js';
import { sendRequest } from './send-request.js';
import type { HttpRequestSettings } from './settings.js';

/** One attempt of one http-request job: send, read the capped body, classify. */
export async function performRequest(
  context: JobContext<HttpRequestPayload>,
  settings: HttpRequestSettings,
): Promise<HttpRequestResult> {
  const payload = resolvePayload(context.payload);
  const { method, url } = payload;
  const description = describeRequest(method, url);
  const { headers, body } = prepareRequest(payload, settings.userAgent);

  context.log.info('http request', { method, url: describeUrl(url) });
  const started = performance.now();
  const deadline = createDeadline(context.signal, payload.timeout);
  try {
    const response = await sendRequest({
      method, url, headers, body, signal: deadline.signal, allowLinkLocal: settings.allowLinkLocal, resolve: settings.resolve,
    });
    const read = await readBody(response, payload.maxResponseBytes, deadline.signal, description);
    const durationMs = Math.round(performance.now() - started);
    context.log.debug('http response', {
      method, url: describeUrl(url), status: response.statusCode, durationMs, bytes: read.bytes.length, truncated: read.truncated,
    });
    return classifyResponse({
      method,
      url,
      retryOn: payload.retryOn,
      response,
      body: decodeBody(read.bytes, read.truncated, response.headers['content-type']),
      bodyTruncated: read.truncated,
      durationMs,
    });
  } catch (error) {
    if (error instanceof RequestAbortedError) throw deadline.abortError(description);
    throw error;
  } finally {
    deadline.dispose();
  }
}
