// Who is on the other end: the socket peer, or the client a trusted proxy reports in X-Forwarded-For.
import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

const LOOPBACK = ['127.0.0.1', '::1'];
const MAPPED_DOTTED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
const MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;

/**
 * The address as one spelling: an IPv4 client reached over an IPv6 socket (`::ffff:203.0.113.9`) is
 * `203.0.113.9`, so it has one throttle counter and one audit spelling. Null when it is not an IP address.
 */
export function normalizeAddress(text: string): string | null {
  const address = text.trim();
  const dotted = MAPPED_DOTTED.exec(address)?.[1];
  if (dotted !== undefined && isIP(dotted) === 4) return dotted;
  const hex = MAPPED_HEX.exec(address);
  if (hex) {
    const value = (Number.parseInt(hex[1] ?? '', 16) << 16) | Number.parseInt(hex[2] ?? '', 16);
    return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
  }
  const family = isIP(address);
  if (family === 4) return address;
  if (family === 6) return address.toLowerCase();
  return null;
}

/** An X-Forwarded-For entry as an address: a port (`1.2.3.4:5678`, `[2001:db8::1]:443`) dropped. */
function forwardedEntry(entry: string): string | null {
  const text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text)?.[1];
  if (bracketed !== undefined) return normalizeAddress(bracketed);
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text)?.[1];
  return normalizeAddress(v4WithPort ?? text);
}

interface ProxyEntry {
  address: string;
  type: 'ipv4' | 'ipv6';
  /** CIDR prefix length; null for a single address */
  prefix: number | null;
}

/** One entry of a trusted-proxy list (an address or a CIDR block), or why it is not one. */
export function parseProxyEntry(entry: string): ProxyEntry | { problem: string } {
  const [base = '', prefix, extra] = entry.trim().split('/');
  const family = isIP(base);
  if (family === 0 || extra !== undefined) {
    return { problem: `${JSON.stringify(entry)} is not an IP address or CIDR block` };
  }
  if (prefix === undefined) {
    const address = normalizeAddress(base) ?? base;
    return { address, type: isIP(address) === 4 ? 'ipv4' : 'ipv6', prefix: null };
  }
  const bits = family === 4 ? 32 : 128;
  const length = /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  if (!(length >= 0 && length <= bits)) {
    return { problem: `${JSON.stringify(entry)} needs a prefix length from 0 to ${bits}` };
  }
  return { address: base.toLowerCase(), type: family === 4 ? 'ipv4' : 'ipv6', prefix: length };
}

/** The proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: addresses and CIDR blocks. */
export class TrustedProxies {
  private readonly blocks = new BlockList();

  /** Entries must parse (config.ts checks them first, naming the bad one). */
  constructor(readonly entries: readonly string[]) {
    for (const entry of entries) {
      const parsed = parseProxyEntry(entry);
      if ('problem' in parsed) throw new Error(`Trusted proxies: ${parsed.problem}`);
      if (parsed.prefix === null) this.blocks.addAddress(parsed.address, parsed.type);
      else this.blocks.addSubnet(parsed.address, parsed.prefix, parsed.type);
    }
  }

  /** A comma-separated list; `loopback` adds 127.0.0.1 and ::1 (VICTORYSYNC_TRUST_PROXY=1). */
  static parse(list: string, options: { loopback?: boolean } = {}): TrustedProxies {
    const entries = list
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return new TrustedProxies([...new Set([...(options.loopback ? LOOPBACK : []), ...entries])]);
  }

  trusts(address: string | null): boolean {
    const normalized = address === null ? null : normalizeAddress(address);
    if (normalized === null || this.entries.length === 0) return false;
    // BlockList matches IPv4 rules against IPv4-mapped IPv6 addresses and the reverse.
    return this.blocks.check(normalized, isIP(normalized) === 4 ? 'ipv4' : 'ipv6');
  }
}

/**
 * The client behind a trusted peer: X-Forwarded-For is walked from the right (each proxy appends the address
 * it saw), skipping trusted proxies; the first untrusted hop is the client. Everything left of it was written
 * by the client and is never believed. A hop that is not an address ends the walk at the proxy that wrote it.
 */
export function forwardedClient(peer: string, forwardedFor: string | undefined, proxies: TrustedProxies): string {
  let client = peer;
  const hops = (forwardedFor ?? '').split(',').reverse();
  for (const hop of hops) {
    if (!proxies.trusts(client)) break;
    if (hop.trim() === '') continue;
    const address = forwardedEntry(hop);
    if (address === null) break;
    client = address;
  }
  return client;
}

/** The socket peer; null for in-process requests (tests), which have no socket. */
export function peerAddress(c: Context): string | null {
  try {
    const address = getConnInfo(c).remote.address;
    return address === undefined ? null : normalizeAddress(address);
  } catch {
    return null;
  }
}

/** The client's address: the socket peer, or, when the peer is a trusted proxy, the hop it vouches for. */
export function clientAddress(c: Context, proxies: TrustedProxies): string | null {
  const peer = peerAddress(c);
  if (peer === null || !proxies.trusts(peer)) return peer;
  return forwardedClient(peer, c.req.header('x-forwarded-for'), proxies);
}

/** Whether the peer may tell us the scheme and client (X-Forwarded-Proto / -For): only a trusted proxy may. */
export function peerIsTrustedProxy(c: Context, proxies: TrustedProxies): boolean {
  return proxies.trusts(peerAddress(c));
}
