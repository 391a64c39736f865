import { expect } from 'chai';
import net, { type LookupFunction } from 'node:net';
import sinon from 'sinon';
import { isPermanentJobError } from '@nself-jobs/sdk';
import { startHttpServer, type TestHttpServer } from '@nself-jobs/test-helpers';
import { assertAddressAllowed, guardedLookup, isLinkLocalAddress } from '../src/address-guard.js';
import { performRequest } from '../src/perform-request.js';
import { settingsFromEnv } from '../src/settings.js';
import { jobContext, rejection, runJob } from './job-context.js';

/** A resolver that answers every name with `addresses`, in whichever shape node asked for. */
function fakeResolver(...addresses: string[]): LookupFunction {
  return (_hostname, options, callback) => {
    const entries = addresses.map((address) => ({ address, family: net.isIP(address) }));
    if (options.all) callback(null, entries);
    else callback(null, entries[0]!.address, entries[0]!.family);
  };
}

describe('http-request link-local guard', () => {
  it('recognises link-local and metadata addresses, including IPv4-mapped forms', () => {
    for (const address of [
      '169.254.169.254', '169.254.0.1', '169.254.255.255', 'fe80::1', 'febf:ffff::1', '[fe80::1]', 'fe80::1%eth0',
      'fd00:ec2::254', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '[::ffff:a9fe:a9fe]',
    ]) {
      expect(isLinkLocalAddress(address), address).to.equal(true);
    }
    for (const address of [
      '127.0.0.1', '10.0.0.5', '192.168.1.1', '172.16.0.1', '169.253.255.255', '169.255.0.1', '8.8.8.8',
      '::1', 'fec0::1', 'fd00:ec2::253', '::ffff:127.0.0.1', 'example.com',
    ]) {
      expect(isLinkLocalAddress(address), address).to.equal(false);
    }
  });

  it('refuses with a PermanentJobError naming the address, unless allowed', () => {
    expect(() => assertAddressAllowed('169.254.169.254', 'metadata.test', false))
      .to.throw(/169\.254\.169\.254 \(resolved from metadata\.test\).*JOBS_HTTP_ALLOW_LINK_LOCAL=true/);
    expect(() => assertAddressAllowed('169.254.169.254', 'metadata.test', true)).to.not.throw();
    expect(() => assertAddressAllowed('127.0.0.1', 'localhost', false)).to.not.throw();
  });

  it('opens the guard only for JOBS_HTTP_ALLOW_LINK_LOCAL=true exactly', () => {
    expect(settingsFromEnv({ JOBS_HTTP_ALLOW_LINK_LOCAL: 'true' }).allowLinkLocal).to.equal(true);
    for (const value of [undefined, '', '1', 'TRUE', 'yes', 'false']) {
      expect(settingsFromEnv({ JOBS_HTTP_ALLOW_LINK_LOCAL: value }).allowLinkLocal, String(value)).to.equal(false);
    }
  });

  it('the guarded lookup passes link-local answers through only when allowed', async () => {
    const ask = (allow: boolean, all: boolean) => new Promise<{ error: Error | null; address: unknown }>((resolve) => {
      guardedLookup(allow, fakeResolver('169.254.169.254'))('metadata.test', { all }, (error, address) => resolve({ error, address }));
    });
    for (const all of [false, true]) {
      const refused = await ask(false, all);
      expect(isPermanentJobError(refused.error), `all=${all}`).to.equal(true);
      const allowed = await ask(true, all);
      expect(allowed.error).to.equal(null);
      expect(allowed.address).to.deep.equal(all ? [{ address: '169.254.169.254', family: 4 }] : '169.254.169.254');
    }
  });

  describe('on real requests', () => {
    let connect: sinon.SinonSpy;
    let server: TestHttpServer | undefined;
    beforeEach(() => { connect = sinon.spy(net.Socket.prototype, 'connect'); });
    afterEach(async () => {
      connect.restore();
      await server?.close();
      server = undefined;
    });

    it('refuses http://169.254.169.254/ and its IPv6 forms without opening a connection', async () => {
      for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:169.254.169.254]/', 'http://[fd00:ec2::254]/', 'http://[fe80::1]:8080/']) {
        const { error, ms } = await rejection(runJob({ url, timeout: 5000 }));
        expect(isPermanentJobError(error), url).to.equal(true);
        expect(error.message).to.match(/refusing to connect to link-local \/ cloud-metadata address/);
        expect(ms).to.be.below(200);
      }
      const { error } = await rejection(runJob({ url: 'http://169.254.169.254/' }));
      expect(error.message).to.contain('address 169.254.169.254;');
      expect(connect.called).to.equal(false);
    });

    it('refuses a hostname that resolves to a link-local address, before any connection', async () => {
      // A real listener stands in for the loopback answer: had the guard let the name through,
      // node would have connected to it.
      let connections = 0;
      const listener = net.createServer((socket) => { connections += 1; socket.destroy(); });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const { port } = listener.address() as net.AddressInfo;
      try {
        const settings = { ...settingsFromEnv({}), resolve: fakeResolver('127.0.0.1', '169.254.169.254') };
        const { error } = await rejection(performRequest(jobContext({ url: `http://metadata.test:${port}/latest` }), settings));
        expect(isPermanentJobError(error)).to.equal(true);
        expect(error.message).to.contain('address 169.254.169.254 (resolved from metadata.test)');
        expect(error.address).to.equal('169.254.169.254');
        expect(connections).to.equal(0);
      } finally {
        await new Promise((resolve) => listener.close(resolve));
      }
    });

    it('lets a hostname through when it resolves to an allowed (loopback) address', async () => {
      server = await startHttpServer((_req, res) => { res.end('hi'); });
      const settings = { ...settingsFromEnv({}), resolve: fakeResolver('127.0.0.1') };
      const result = await performRequest(jobContext({ url: `http://my-service.test:${server.port}/ping` }), settings);
      expect(result.body).to.equal('hi');
      expect(server.requests[0]!.headers.host).to.equal(`my-service.test:${server.port}`);
    });
  });
});
