import { S3Client } from '@aws-sdk/client-s3';
import { PermanentJobError } from '@nself-jobs/sdk';
import type { Destination } from './destination.js';

type Env = Readonly<Record<string, string | undefined>>;
type ObjectStoreDestination = Extract<Destination, { kind: 'object-store' }>;

/**
 * The S3 client for a destination. Requests are signed with AWS Signature V4 by the SDK.
 *
 * - s3://      AWS; region from AWS_REGION (or AWS_DEFAULT_REGION); AWS_ACCESS_KEY_ID /
 *              AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) from the worker environment when set,
 *              else the SDK's default chain (profiles, SSO, container and instance roles...).
 * - minio://   endpoint from MINIO_ENDPOINT; http(s)://host:port/ the endpoint given inline.
 *              Both path style, region MINIO_REGION / AWS_REGION / us-east-1, and credentials
 *              MINIO_ACCESS_KEY / MINIO_SECRET_KEY, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 *              (required: there is no instance role on a self-hosted store). The SDK's optional
 *              CRC checksums are only sent when an operation requires them, since S3-compatible
 *              stores differ in how well they handle them.
 */
export function createObjectStoreClient(destination: ObjectStoreDestination, env: Env): S3Client {
  if (destination.scheme === 's3') {
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
    if (!region) throw new PermanentJobError('s3:// destinations need AWS_REGION in the worker environment');
    const credentials = staticCredentials(env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN);
    return new S3Client({ region, ...(credentials ? { credentials } : {}) });
  }

  let endpoint = destination.endpoint;
  if (destination.scheme === 'minio') {
    const configured = env.MINIO_ENDPOINT?.trim();
    if (!configured) throw new PermanentJobError('minio:// destinations need MINIO_ENDPOINT (e.g. http://minio:9000) in the worker environment');
    endpoint = /^https?:\/\//i.test(configured) ? configured : `http://${configured}`;
    try {
      new URL(endpoint);
    } catch {
      throw new PermanentJobError(`MINIO_ENDPOINT is not a valid URL: ${configured}`);
    }
  }
  const credentials =
    staticCredentials(env.MINIO_ACCESS_KEY, env.MINIO_SECRET_KEY) ??
    staticCredentials(env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN);
  if (!credentials) {
    throw new PermanentJobError(
      `${destination.scheme}:// destinations need MINIO_ACCESS_KEY and MINIO_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) in the worker environment`,
    );
  }
  return new S3Client({
    endpoint,
    region: env.MINIO_REGION || env.AWS_REGION || 'us-east-1',
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function staticCredentials(accessKeyId?: string, secretAccessKey?: string, sessionToken?: string) {
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

interface HttpRequestLike {
  method: string;
  query?: Record<string, unknown>;
}
interface RequestHandlerLike {
  handle(request: HttpRequestLike, options?: { abortSignal?: unknown }): Promise<unknown>;
}

/**
 * Makes `signal` abort every request the client has in flight, except AbortMultipartUpload, which
 * is the clean-up itself. lib-storage's own abort() only stops queueing new parts and leaves
 * running requests (a part, CompleteMultipartUpload) to finish; with this, a cancelled backup stops
 * at once and lib-storage still aborts the multipart upload before `done()` settles.
 * The client resolves `config.requestHandler` at each send, so wrapping it here takes effect.
 */
export function abortRequestsOn(client: S3Client, signal: AbortSignal): void {
  const config = client.config as unknown as { requestHandler: RequestHandlerLike };
  const inner = config.requestHandler;
  const wrapper = Object.create(inner) as RequestHandlerLike;
  wrapper.handle = (request, options = {}) => {
    const cleanUp = request.method === 'DELETE' && request.query !== undefined && 'uploadId' in request.query;
    return inner.handle(request, cleanUp ? options : { ...options, abortSignal: signal });
  };
  config.requestHandler = wrapper;
}
