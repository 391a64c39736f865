import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { PermanentJobError } from '@nself-jobs/sdk';

/**
 * Link-local and cloud-metadata addresses. A job payload comes from whoever can enqueue jobs, and
 * 169.254.169.254 & co. hand out cloud credentials: reaching them from a worker is a classic SSRF.
 * Loopback and private ranges stay allowed on purpose: self-hosted backends call their own services.
 * BlockList also matches the IPv4-mapped forms (::ffff:169.254.169.254, ::ffff:a9fe:a9fe).
 */
const blocked = new BlockList();
blocked.addSubnet('169.254.0.0', 16, 'ipv4');
blocked.addSubnet('fe80::', 10, 'ipv6');
blocked.addAddress('fd00:ec2::254', 'ipv6'); // AWS IMDS over IPv6

/** Whether `address` (an IP literal, optionally in [brackets]) is link-local / cloud metadata. */
export function isLinkLocalAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // A zone id (fe80::1%eth0) is not part of the address BlockList understands.
  const ip = bare.replace(/%.*$/, '');
  const family = isIP(ip);
  if (family === 0) return false;
  return blocked.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

export const LINK_LOCAL_REFUSED_CODE = 'HTTP_LINK_LOCAL_REFUSED';

/** Throws the PermanentJobError the job fails with when `address` may not be reached. */
export function assertAddressAllowed(address: string, host: string, allowLinkLocal: boolean): void {
  if (allowLinkLocal || !isLinkLocalAddress(address)) return;
  const via = host === address ? '' : ` (resolved from ${host})`;
  throw Object.assign(
    new PermanentJobError(
      `refusing to connect to link-local / cloud-metadata address ${address}${via}; ` +
        'set JOBS_HTTP_ALLOW_LINK_LOCAL=true in the worker environment to allow it',
    ),
    { reason: LINK_LOCAL_REFUSED_CODE, address },
  );
}

type LookupCallback = Parameters<LookupFunction>[2];
type LookupAddress = { address: string; family: number };

/**
 * Wraps a resolver so that every address a connection would use is checked first. Node calls it with
 * `all: true` when it races IPv4/IPv6 (autoSelectFamily), so both callback shapes are handled, and
 * one bad address refuses the whole host: a name that resolves to metadata is not to be trusted.
 * `resolve` is injectable so tests can map a name to 169.254.169.254 without a DNS server.
 */
export function guardedLookup(allowLinkLocal: boolean, resolve: LookupFunction = dns.lookup as LookupFunction): LookupFunction {
  return (hostname, options, callback: LookupCallback) => {
    resolve(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      const addresses: LookupAddress[] = Array.isArray(address) ? address : [{ address, family: family ?? 0 }];
      try {
        for (const entry of addresses) assertAddressAllowed(entry.address, hostname, allowLinkLocal);
      } catch (refusal) {
        return callback(refusal as NodeJS.ErrnoException, '', 0);
      }
      callback(null, address, family);
    });
  };
}
