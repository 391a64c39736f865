import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { freePort } from '@nself-jobs/test-helpers';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: object) => S3rverInstance;

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  bytes: number;
  contentSha256: string | undefined;
  /** Outcome of the signature check: 'ok', or the S3 error code it was refused with. */
  verdict: string;
}

export interface TestS3 {
  /** The verifying proxy: what the processor talks to (http://127.0.0.1:port). */
  endpoint: string;
  /** s3rver itself, for reading objects back without going through the check. */
  directEndpoint: string;
  requests: SeenRequest[];
  /** Called for each verified request before it is forwarded (a test may abort a job here). */
  onRequest?: (request: SeenRequest) => void | Promise<void>;
  close(): Promise<void>;
}

const REGION = 'us-east-1';

/**
 * s3rver (a real S3-compatible store, which does NOT check signatures) behind a small proxy that
 * does: every request's AWS Signature V4 is recomputed with @smithy/signature-v4 from the known
 * secret and compared, and the body is checked against x-amz-content-sha256. A mismatch gets
 * S3's own 403 SignatureDoesNotMatch; only verified requests reach s3rver.
 */
export async function startTestS3(options: { accessKeyId: string; secretAccessKey: string; buckets: string[] }): Promise<TestS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
  const s3Port = await freePort();
  const s3rver = new S3rver({
    port: s3Port, address: '127.0.0.1', silent: true, directory, vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  await s3rver.run();
  const signer = new SignatureV4({
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    region: REGION, service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: true,
  });

  const state: TestS3 = {
    endpoint: '',
    directEndpoint: `http://127.0.0.1:${s3Port}`,
    requests: [],
    close: async () => {},
  };

  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const [pathname = '/', search = ''] = (req.url ?? '/').split('?');
      const query: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(search)) query[k] = v;
      const seen: SeenRequest = {
        method: req.method ?? '', path: pathname, query, bytes: body.length,
        contentSha256: req.headers['x-amz-content-sha256'] as string | undefined, verdict: 'ok',
      };
      state.requests.push(seen);
      try {
        seen.verdict = await verify(signer, options.accessKeyId, req, pathname, query, body);
        if (seen.verdict !== 'ok') {
          res.writeHead(seen.verdict === 'XAmzContentSHA256Mismatch' ? 400 : 403, { 'content-type': 'application/xml' });
          res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${seen.verdict}</Code><Message>refused by the test proxy's SigV4 check</Message></Error>`);
          return;
        }
        await state.onRequest?.(seen);
        const upstream = http.request({
          host: '127.0.0.1', port: s3Port, method: req.method, path: req.url, headers: req.headers,
        }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', (error) => { res.writeHead(502); res.end(String(error)); });
        upstream.end(body);
      } catch (error) {
        res.writeHead(500);
        res.end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  state.close = async () => {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await s3rver.close();
    fs.rmSync(directory, { recursive: true, force: true });
  };
  return state;
}

async function verify(
  signer: SignatureV4, accessKeyId: string, req: http.IncomingMessage, pathname: string, query: Record<string, string>, body: Buffer,
): Promise<string> {
  const authorization = req.headers.authorization ?? '';
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) return 'AccessDenied';
  const [, keyId, , region, signedHeaders] = match;
  if (keyId !== accessKeyId) return 'InvalidAccessKeyId';
  if (region !== REGION) return 'AuthorizationHeaderMalformed';

  const contentSha = req.headers['x-amz-content-sha256'];
  if (typeof contentSha !== 'string') return 'AccessDenied';
  if (contentSha !== 'UNSIGNED-PAYLOAD' && contentSha !== crypto.createHash('sha256').update(body).digest('hex')) {
    return 'XAmzContentSHA256Mismatch';
  }

  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) {
    const value = req.headers[name];
    if (value === undefined) return 'AccessDenied';
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const amzDate = headers['x-amz-date'] ?? '';
  const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!d) return 'AccessDenied';
  const signingDate = new Date(Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +d[4]!, +d[5]!, +d[6]!));
  const [hostname, port] = (headers.host ?? '').split(':');
  const signed = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: hostname ?? '', port: port ? Number(port) : undefined, path: pathname, query, headers, body },
    { signingDate },
  );
  return signed.headers.authorization === authorization ? 'ok' : 'SignatureDoesNotMatch';
}
