import crypto from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A fixed namespace so the same BullMQ job always maps to the same record id.
const NAMESPACE = Buffer.from('6f1c3a52d9e84b0f9a7e2c41b5d3e806', 'hex');

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * The record id of a BullMQ job. Jobs of nself-jobs use their UUID as the BullMQ
 * id; a job added straight to BullMQ (id "42") gets a name-based UUID (RFC 4122
 * version 5) of queue, id and creation time, so recording it again, or rebuilding
 * it from the backend, lands on the same row.
 */
export function recordIdOf(queue: string, jobId: string, timestamp: number): string {
  if (isUuid(jobId)) return jobId.toLowerCase();
  const hash = crypto.createHash('sha1').update(NAMESPACE).update(`${queue}\u0000${jobId}\u0000${timestamp}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
