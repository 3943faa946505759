// Addresses as ipvsadm lists them: IPv4, IPv6 (compressed, lower case), "ip:port", "[ip6]:port".

import { isIP } from 'node:net';
import type { Family } from '../ipvs/model.ts';

/** 'inet' | 'inet6' for an IP address, undefined for anything else (names included). */
export function ipFamily(text: string): Family | undefined {
  const version = isIP(text);
  return version === 4 ? 'inet' : version === 6 ? 'inet6' : undefined;
}

/** The form ipvsadm -L -n prints: IPv6 compressed and lower case, IPv4 as is. */
export function canonicalAddress(address: string): string {
  if (isIP(address) !== 6) return address;
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

export type ParsedEndpoint = { ok: true; family: Family; address: string; port: number } | { ok: false; message: string; hint: string };

const ENDPOINT_HINT = 'write the VIP as ipvsadm -L -n lists it: 192.168.1.181:80, or [2001:db8::1]:80 for IPv6';

/** "192.168.1.181:80" or "[2001:db8::1]:80" → family, canonical address, port. */
export function parseEndpoint(text: string): ParsedEndpoint {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  if (!match) {
    const bare = ipFamily(text.replace(/^\[|\]$/g, ''));
    const message = bare ? `"${text}" has no port` : `"${text}" is not an address:port`;
    return { ok: false, message, hint: ENDPOINT_HINT };
  }
  const [, address = '', portText = ''] = match;
  const family = ipFamily(address);
  const bracketed = text.startsWith('[');
  if (family === undefined || (family === 'inet6') !== bracketed) {
    return { ok: false, message: `"${address}" is not an IP address`, hint: ENDPOINT_HINT };
  }
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return { ok: false, message: `port ${portText} is out of range`, hint: 'use a port from 1 to 65535' };
  }
  return { ok: true, family, address: canonicalAddress(address), port };
}

export type ParsedJumpHost = { ok: true; user?: string; host: string; port?: number } | { ok: false; message: string; hint: string };

/** "host", "user@host", "user@host:2222", "[2001:db8::1]:2222" (ssh's ProxyJump spelling). */
export function parseJumpHost(text: string): ParsedJumpHost {
  const match = /^(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s[\]]+)(?::(\d+))?$/.exec(text);
  const hint = 'write the jump host as host, user@host or user@host:port';
  if (!match) return { ok: false, message: `"${text}" is not a jump host`, hint };
  const [, user, rawHost = '', portText] = match;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (port < 1 || port > 65535)) {
    return { ok: false, message: `port ${portText} is out of range`, hint: 'use a port from 1 to 65535' };
  }
  return { ok: true, host, ...(user === undefined ? {} : { user }), ...(port === undefined ? {} : { port }) };
}
