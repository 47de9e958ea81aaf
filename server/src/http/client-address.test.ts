// The client address and scheme behind proxies: the CIDR matcher, the X-Forwarded-For walk, and a real socket peer.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import {
  clientAddress,
  forwardedClient,
  normalizeAddress,
  parseProxyEntry,
  peerAddress,
  TrustedProxies,
} from './client-address.js';
import { requestIsHttps } from './middleware.js';

describe('TrustedProxies', () => {
  it('matches single addresses and CIDR blocks of both families', () => {
    const proxies = TrustedProxies.parse('127.0.0.1, ::1, 10.0.0.0/8, 192.168.4.0/22, 2001:db8::/32, 172.16.5.4/32');
    for (const address of ['127.0.0.1', '::1', '10.0.0.0', '10.255.255.255', '192.168.4.1', '192.168.7.254']) {
      expect(proxies.trusts(address), address).toBe(true);
    }
    expect(proxies.trusts('2001:db8:1234::9')).toBe(true);
    expect(proxies.trusts('172.16.5.4')).toBe(true);
    for (const address of ['127.0.0.2', '11.0.0.1', '9.255.255.255', '192.168.8.1', '192.168.3.255', '::2']) {
      expect(proxies.trusts(address), address).toBe(false);
    }
    expect(proxies.trusts('2001:db9::1')).toBe(false);
    expect(proxies.trusts('172.16.5.5')).toBe(false);
  });

  it('treats IPv4-mapped IPv6 addresses as the IPv4 address they carry', () => {
    const proxies = TrustedProxies.parse('127.0.0.1,10.0.0.0/8');
    expect(proxies.trusts('::ffff:127.0.0.1')).toBe(true);
    expect(proxies.trusts('::FFFF:10.1.2.3')).toBe(true);
    expect(proxies.trusts('::ffff:7f00:1')).toBe(true);
    expect(proxies.trusts('::ffff:11.0.0.1')).toBe(false);
    expect(TrustedProxies.parse('::ffff:127.0.0.1').trusts('127.0.0.1')).toBe(true);
    expect(normalizeAddress('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(normalizeAddress('::ffff:cb00:7109')).toBe('203.0.113.9');
    expect(normalizeAddress('2001:DB8::1')).toBe('2001:db8::1');
    expect(normalizeAddress('unknown')).toBeNull();
  });

  it('trusts nobody when empty, and loopback only for VICTORYSYNC_TRUST_PROXY=1', () => {
    const none = TrustedProxies.parse('');
    expect(none.trusts('127.0.0.1')).toBe(false);
    expect(none.trusts(null)).toBe(false);
    expect(loadConfig({}).auth.trustedProxies.entries).toEqual([]);
    const legacy = loadConfig({ VICTORYSYNC_TRUST_PROXY: '1' }).auth.trustedProxies;
    expect(legacy.entries).toEqual(['127.0.0.1', '::1']);
    expect(legacy.trusts('10.0.0.1')).toBe(false);
    const both = loadConfig({ VICTORYSYNC_TRUST_PROXY: '1', VICTORYSYNC_TRUSTED_PROXIES: '10.0.0.0/8' });
    expect(both.auth.trustedProxies.entries).toEqual(['127.0.0.1', '::1', '10.0.0.0/8']);
  });

  it('refuses a malformed list at start-up, naming the entry', () => {
    for (const [entry, message] of [
      ['10.0.0.0/33', '"10.0.0.0/33" needs a prefix length from 0 to 32'],
      ['2001:db8::/129', 'from 0 to 128'],
      ['10.0.0.0/8/8', 'is not an IP address or CIDR block'],
      ['proxy.internal', '"proxy.internal" is not an IP address or CIDR block'],
      ['10.0.0.0/x', 'needs a prefix length'],
      ['300.1.1.1', 'is not an IP address'],
    ] as const) {
      expect(() => loadConfig({ VICTORYSYNC_TRUSTED_PROXIES: `127.0.0.1,${entry}` }), entry).toThrow(message);
    }
    expect(parseProxyEntry(' 10.0.0.0/8 ')).toEqual({ address: '10.0.0.0', type: 'ipv4', prefix: 8 });
    expect(() => new TrustedProxies(['nope'])).toThrow(/not an IP address/);
  });
});

describe('forwardedClient', () => {
  const proxies = TrustedProxies.parse('127.0.0.1,10.0.0.0/8');

  it('takes the rightmost hop that is not a trusted proxy: what the client wrote on the left is ignored', () => {
    expect(forwardedClient('127.0.0.1', '6.6.6.6, 203.0.113.9', proxies)).toBe('203.0.113.9');
    expect(forwardedClient('127.0.0.1', '6.6.6.6, 203.0.113.9, 10.1.2.3', proxies)).toBe('203.0.113.9');
    // A client pretending to be a trusted proxy on the left changes nothing.
    expect(forwardedClient('127.0.0.1', '10.0.0.1, 203.0.113.9', proxies)).toBe('203.0.113.9');
  });

  it('falls back to the last trusted hop when the chain is all proxies, empty, or holds a non-address', () => {
    expect(forwardedClient('127.0.0.1', undefined, proxies)).toBe('127.0.0.1');
    expect(forwardedClient('127.0.0.1', '', proxies)).toBe('127.0.0.1');
    expect(forwardedClient('127.0.0.1', '10.0.0.9, 10.0.0.8', proxies)).toBe('10.0.0.9');
    expect(forwardedClient('127.0.0.1', '6.6.6.6, unknown, 10.0.0.8', proxies)).toBe('10.0.0.8');
    expect(forwardedClient('127.0.0.1', '203.0.113.9,, ', proxies)).toBe('203.0.113.9');
  });

  it('reads ports, brackets and IPv4-mapped spellings', () => {
    expect(forwardedClient('127.0.0.1', '203.0.113.9:54321', proxies)).toBe('203.0.113.9');
    expect(forwardedClient('127.0.0.1', '[2001:db8::7]:443', proxies)).toBe('2001:db8::7');
    expect(forwardedClient('127.0.0.1', '203.0.113.9, ::ffff:10.0.0.5', proxies)).toBe('203.0.113.9');
    expect(forwardedClient('::ffff:127.0.0.1', '::ffff:203.0.113.9', proxies)).toBe('203.0.113.9');
  });
});

describe('over a real socket (peer 127.0.0.1)', () => {
  let close: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await close?.();
    close = null;
  });

  /** Serves a route that reports what the server concluded about the request. */
  async function server(proxies: TrustedProxies): Promise<string> {
    const app = new Hono();
    app.get('/who', (c) =>
      c.json({ peer: peerAddress(c), client: clientAddress(c, proxies), https: requestIsHttps(c, proxies) }),
    );
    return new Promise((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
        close = () =>
          new Promise<void>((done) => {
            s.close(() => done());
            if ('closeAllConnections' in s) s.closeAllConnections();
          });
        resolve(`http://127.0.0.1:${info.port}`);
      });
    });
  }
  const spoofed = { 'x-forwarded-for': '6.6.6.6, 203.0.113.9', 'x-forwarded-proto': 'https' };

  it('believes X-Forwarded-For and -Proto from a trusted peer, from the right', async () => {
    const url = await server(TrustedProxies.parse('127.0.0.1,::1'));
    const res = await fetch(`${url}/who`, { headers: spoofed });
    expect(await res.json()).toEqual({ peer: '127.0.0.1', client: '203.0.113.9', https: true });
    const plain = await fetch(`${url}/who`);
    expect(await plain.json()).toEqual({ peer: '127.0.0.1', client: '127.0.0.1', https: false });
  });

  it('ignores both headers from a peer that is not a trusted proxy', async () => {
    const url = await server(TrustedProxies.parse('10.0.0.0/8'));
    const res = await fetch(`${url}/who`, { headers: spoofed });
    expect(await res.json()).toEqual({ peer: '127.0.0.1', client: '127.0.0.1', https: false });
  });
});
