import { expect } from 'chai';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '../src/retry-after.js';
import { decodeBody } from '../src/decode-body.js';

describe('http-request response helpers', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('parses Retry-After seconds and HTTP dates, capped at one hour', () => {
    expect(parseRetryAfter(undefined, now)).to.equal(undefined);
    expect(parseRetryAfter('0', now)).to.equal(0);
    expect(parseRetryAfter(' 30 ', now)).to.equal(30_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:02:00 GMT', now)).to.equal(120_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).to.equal(0);
    expect(parseRetryAfter('999999', now)).to.equal(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('soon', now)).to.equal(undefined);
    expect(parseRetryAfter('-5', now)).to.equal(undefined);
  });

  it('decodes JSON only when typed as JSON, complete and parseable', () => {
    const json = Buffer.from('{"a":1}');
    expect(decodeBody(json, false, 'application/json')).to.deep.equal({ a: 1 });
    expect(decodeBody(json, false, 'application/problem+json; charset=utf-8')).to.deep.equal({ a: 1 });
    expect(decodeBody(json, false, 'text/plain')).to.equal('{"a":1}');
    expect(decodeBody(json, true, 'application/json')).to.equal('{"a":1}');
    expect(decodeBody(json, false, 'application/jsonx')).to.equal('{"a":1}');
  });

  it('drops a multi-byte character cut in half by truncation', () => {
    const bytes = Buffer.from('aé', 'utf8').subarray(0, 2); // 'a' + first byte of 'é'
    expect(decodeBody(bytes, true, 'text/plain')).to.equal('a');
  });
});
