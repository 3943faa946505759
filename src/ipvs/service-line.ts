// The service part of a listing row (`print_service_entry`, ipvsadm.c:1958-2057): its name
// (`TCP  addr:port`, `FWM  N [IPv6]`) and the `sched (flags) persistent N mask M pe X ops` tail.
import { formatEndpoint, formatFwmarkName, parseEndpoint } from './address.ts';
import type { Endpoint, Protocol, ServiceKey, VirtualService } from './model.ts';
import { reject } from './parse-error.ts';
import { parseUint } from './tokens.ts';

export const PROTOCOL_NAME: Record<Protocol, string> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };
const PROTOCOL_BY_NAME: Record<string, Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/** `"%-4s %s"` of protocol and address, IPv4 names cut to 33 characters; fwmark `FWM  N`. */
export function formatServiceName(key: ServiceKey): string {
  if (key.kind === 'fwmark') return formatFwmarkName(key.mark, key.family);
  const name = `${PROTOCOL_NAME[key.protocol].padEnd(4)} ${formatEndpoint(key)}`;
  return key.family === 'inet6' ? name : name.slice(0, 33);
}

/** True unless the mask is the family's "whole address" default, which ipvsadm does not print. */
export function isNonDefaultMask(svc: Pick<VirtualService, 'key' | 'netmask'>): svc is { key: ServiceKey; netmask: string } {
  if (svc.netmask === undefined) return false;
  return svc.netmask !== (svc.key.family === 'inet6' ? '128' : '255.255.255.255');
}

/** The default-mode service row: name, scheduler and the optional parts, no trailing space. */
export function formatServiceLine(svc: VirtualService): string {
  let line = `${formatServiceName(svc.key)} ${svc.scheduler}`;
  if (svc.flags.length > 0) line += ` (${svc.flags.join(',')})`;
  if (svc.persistent !== undefined) {
    line += ` persistent ${svc.persistent}`;
    if (isNonDefaultMask(svc)) line += ` mask ${svc.netmask}`;
    if (svc.pe) line += ` pe ${svc.pe}`;
  }
  if (svc.ops) line += ' ops';
  return line;
}

/** Why an address field could not be read; names get their own message because `-n` fixes them. */
export function endpointOrReject(token: string | undefined, what: string): Endpoint {
  const endpoint = token === undefined ? undefined : parseEndpoint(token);
  if (endpoint) return endpoint;
  if (token !== undefined && !/^(\[[0-9A-Fa-f:.]+\]|[0-9.]+):\d+$/.test(token)) {
    reject(`${what} "${token}" is a host or service name: ipvsadm must be run with -n`);
  }
  return reject(`${what} "${token ?? ''}" is not a numeric address:port`);
}

/** Read the service name at the start of `tokens`; returns the key and how many tokens it took. */
export function parseServiceName(tokens: readonly string[]): { key: ServiceKey; used: number } {
  const [first, second, third] = tokens;
  if (first === 'FWM') {
    const mark = parseUint(second, 0xffffffff);
    if (mark === undefined) reject(`fwmark "${second ?? ''}" is not a number`);
    const v6 = third === 'IPv6';
    return { key: { kind: 'fwmark', family: v6 ? 'inet6' : 'inet', mark }, used: v6 ? 3 : 2 };
  }
  const protocol = first === undefined ? undefined : PROTOCOL_BY_NAME[first];
  if (protocol === undefined) reject(`unknown protocol "${first ?? ''}"`);
  const endpoint = endpointOrReject(second, 'virtual service');
  return { key: { kind: 'addr', protocol, ...endpoint }, used: 2 };
}

export type ServiceDetails = Pick<VirtualService, 'scheduler' | 'flags' | 'persistent' | 'netmask' | 'pe' | 'ops'>;

/** Read `sched [(flags)] [persistent N [mask M] [pe X]] [ops]`, in ipvsadm's fixed order. */
export function parseServiceDetails(tokens: readonly string[]): ServiceDetails {
  const [scheduler, ...rest] = tokens;
  if (scheduler === undefined) reject('missing scheduler');
  const details: ServiceDetails = { scheduler, flags: [], ops: false };
  let i = 0;
  const flagsToken = rest[i];
  if (flagsToken?.startsWith('(')) {
    if (!/^\([^()\s]+\)$/.test(flagsToken)) reject(`bad scheduler flags "${flagsToken}"`);
    details.flags = flagsToken.slice(1, -1).split(',');
    i++;
  }
  if (rest[i] === 'persistent') {
    details.persistent = parseUint(rest[i + 1], 0xffffffff) ?? reject(`bad persistence timeout "${rest[i + 1] ?? ''}"`);
    i += 2;
    if (rest[i] === 'mask') {
      details.netmask = rest[i + 1] ?? reject('missing persistence mask');
      i += 2;
    }
    if (rest[i] === 'pe') {
      details.pe = rest[i + 1] ?? reject('missing persistence engine');
      i += 2;
    }
  }
  if (rest[i] === 'ops') {
    details.ops = true;
    i++;
  }
  if (i < rest.length) reject(`unexpected "${rest.slice(i).join(' ')}" after the scheduler`);
  return details;
}
