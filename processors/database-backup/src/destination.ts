import { PermanentJobError } from '@nself-jobs/sdk';

export type ObjectStoreScheme = 's3' | 'minio' | 'http' | 'https';

/** Where a backup goes, as the payload's `destination` names it. */
export type Destination =
  | { kind: 'local'; path: string }
  | {
      kind: 'object-store';
      scheme: ObjectStoreScheme;
      /** http(s) only: the S3-compatible endpoint, e.g. http://127.0.0.1:9000 */
      endpoint?: string;
      bucket: string;
      /** Object key, or a prefix (ending in "/" or empty) that gets a generated file name. */
      key: string;
    };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// Lenient on purpose (MinIO and other S3-compatible stores accept more than AWS does).
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,62}$/;

/**
 * Parses the payload's `destination`: a local path (anything without a `scheme://`), or
 * `s3://bucket/prefix/`, `minio://bucket/prefix/`, `http(s)://host:port/bucket/prefix/`.
 */
export function parseDestination(text: string): Destination {
  if (text.includes('\0')) throw new PermanentJobError('payload.destination contains a NUL character');
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'local', path: text };
  if (scheme === 's3' || scheme === 'minio') {
    const rest = text.slice(scheme.length + 3);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const key = slash === -1 ? '' : rest.slice(slash + 1);
    return { kind: 'object-store', scheme, bucket: checkBucket(bucket, text), key: checkKey(key) };
  }
  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new PermanentJobError('payload.destination is not a valid http(s) URL');
    }
    if (url.username || url.password) {
      throw new PermanentJobError('payload.destination: credentials in the URL are not supported; set MINIO_ACCESS_KEY/MINIO_SECRET_KEY or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY');
    }
    if (url.search || url.hash) throw new PermanentJobError('payload.destination: an http(s) destination takes no query string or fragment');
    const [bucket = '', ...parts] = url.pathname.slice(1).split('/');
    let key: string;
    try {
      key = parts.map(decodeURIComponent).join('/');
    } catch {
      throw new PermanentJobError('payload.destination has an invalid percent-encoding');
    }
    return {
      kind: 'object-store', scheme, endpoint: url.origin, bucket: checkBucket(decodeURIComponent(bucket), `${url.origin}/`), key: checkKey(key),
    };
  }
  throw new PermanentJobError(
    `payload.destination: ${scheme}:// is not supported; use a path under JOBS_BACKUP_DIR, s3://, minio://, http:// or https://`,
  );
}

function checkBucket(bucket: string, destination: string): string {
  if (!BUCKET.test(bucket)) {
    throw new PermanentJobError(`payload.destination: "${bucket}" is not a bucket name (${destination.split('://')[0]}://bucket/prefix/)`);
  }
  return bucket;
}

function checkKey(key: string): string {
  if (key.split('/').some((part) => part === '..' || part === '.')) {
    throw new PermanentJobError('payload.destination: the object key must not contain "." or ".." segments');
  }
  return key.replace(/^\/+/, '');
}

/** The URL the result reports for an object: the scheme the job used, bucket and final key. */
export function objectUrl(destination: Extract<Destination, { kind: 'object-store' }>, key: string): string {
  const path = `${destination.bucket}/${key}`;
  if (destination.endpoint) return `${destination.endpoint}/${path.split('/').map(encodeURIComponent).join('/')}`;
  return `${destination.scheme}://${path}`;
}
