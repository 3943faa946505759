// Reads `ipvsadm -L -n` in every variant (LVS.md §1, §6): by whitespace, never by column.
//
// A variant only shows some fields; the rest get neutral placeholders, and `mode` says which:
//   default          scheduler/flags/persistence; dest forward, weight, active, inactive
//   thresholds       scheduler/...; dest upper/lower threshold, active, inactive
//   persistent-conn  scheduler/...; dest weight, persist, active, inactive
//   stats / rate     service and dest `stats` / `rate` only (scheduler '', forward 'Route', weight 0)
// Combine variants with `overlayListing` (overlay.ts) rather than reading placeholders.
// Unreadable text throws IpvsParseError (line number and text), including listings made
// without `-n`, whose host/service names are truncated and ambiguous.
import { parseLargeNum, splitLargeNums } from './largenum.ts';
import { LIST_MODES, LIST_TITLES } from './list-titles.ts';
import type { Counters, Destination, ForwardMethod, ListMode, VirtualService } from './model.ts';
import { atLine, IpvsParseError, reject } from './parse-error.ts';
import { fields, outputLines, parseUint } from './tokens.ts';
import { endpointOrReject, parseServiceDetails, parseServiceName } from './service-line.ts';

export interface IpvsListing {
  /** IPVS version from the version line (`1.2.1`); absent in single-service listings. */
  version?: string;
  /** `size=` of the version line; absent in single-service listings. */
  connTableSize?: number;
  mode: ListMode;
  services: VirtualService[];
}

const WHAT = 'ipvsadm -L -n output';
const FORWARDS: readonly ForwardMethod[] = ['Masq', 'Route', 'Tunnel', 'Local'];
const U32 = 0xffffffff;
const INT = 0x7fffffff;

const sameFields = (line: string | undefined, title: string) => fields(line ?? '').join(' ') === fields(title).join(' ');

function detectMode(first: string | undefined, second: string | undefined): ListMode | undefined {
  return LIST_MODES.find((m) => sameFields(first, LIST_TITLES[m][0]) && sameFields(second, LIST_TITLES[m][1]));
}

function counters(tokens: readonly string[]): Counters {
  const parts = splitLargeNums(tokens.join(' '));
  if (parts?.length !== 5) reject(`expected 5 counters, got "${tokens.join(' ')}"`);
  const [conns, inPkts, outPkts, inBytes, outBytes] = parts.map((p) => parseLargeNum(p) ?? 0n) as [bigint, bigint, bigint, bigint, bigint];
  return { conns, inPkts, outPkts, inBytes, outBytes };
}

function uint(token: string | undefined, name: string, max = U32): number {
  return parseUint(token, max) ?? reject(`${name} "${token ?? ''}" is not a number`);
}

function readService(tokens: readonly string[], mode: ListMode): VirtualService {
  const { key, used } = parseServiceName(tokens);
  const rest = tokens.slice(used);
  const base: VirtualService = { key, scheduler: '', flags: [], ops: false, dests: [] };
  if (mode === 'stats') return { ...base, stats: counters(rest) };
  if (mode === 'rate') return { ...base, rate: counters(rest) };
  return { ...base, ...parseServiceDetails(rest) };
}

function readDest(tokens: readonly string[], mode: ListMode): Destination {
  const endpoint = endpointOrReject(tokens[0], 'real server');
  const dest: Destination = {
    ...endpoint,
    forward: 'Route',
    weight: 0,
    upperThreshold: 0,
    lowerThreshold: 0,
    activeConns: 0,
    inactiveConns: 0,
    persistConns: 0,
  };
  const [, a, b, c, d, ...extra] = tokens;
  if (mode === 'stats') return { ...dest, stats: counters(tokens.slice(1)) };
  if (mode === 'rate') return { ...dest, rate: counters(tokens.slice(1)) };
  if (d === undefined || extra.length > 0) reject(`expected 5 fields after "->", got ${tokens.length}`);
  // The last two columns are ActiveConn and InActConn in every mode that has four.
  const counts = { activeConns: uint(c, 'ActiveConn'), inactiveConns: uint(d, 'InActConn') };
  if (mode === 'default') {
    const forward = FORWARDS.find((f) => f === a) ?? reject(`unknown forwarding method "${a ?? ''}"`);
    return { ...dest, ...counts, forward, weight: uint(b, 'weight', INT) };
  }
  if (mode === 'thresholds') {
    return { ...dest, ...counts, upperThreshold: uint(a, 'Uthreshold'), lowerThreshold: uint(b, 'Lthreshold') };
  }
  return { ...dest, ...counts, weight: uint(a, 'weight', INT), persistConns: uint(b, 'PersistConn') };
}

function readVersion(line: string): { version: string; connTableSize: number } | undefined {
  const m = /^IP Virtual Server version (\d+\.\d+\.\d+) \(size=(\d+)\)\s*$/.exec(line);
  return m ? { version: m[1] ?? '', connTableSize: Number(m[2]) } : undefined;
}

/** Parse the stdout of `ipvsadm -L -n [--stats|--rate|--thresholds|--persistent-conn] [-t VIP]`. */
export function parseIpvsList(text: string): IpvsListing {
  const lines = outputLines(text);
  if (lines.length === 0) throw new IpvsParseError(WHAT, 0, '', 'empty output');
  let start = 0;
  const listing: IpvsListing = { mode: 'default', services: [] };
  if (lines[0]?.startsWith('IP Virtual Server version')) {
    const v = atLine(WHAT, 0, lines[0], () => readVersion(lines[0] ?? '') ?? reject('bad version line'));
    listing.version = v.version;
    listing.connTableSize = v.connTableSize;
    start = 1;
  }
  const mode = detectMode(lines[start], lines[start + 1]);
  if (!mode) {
    const line = lines[start] ?? '';
    const reason = line.includes('TunnelInfo') ? 'the --tun-info listing is not supported' : 'not an ipvsadm -L -n title';
    throw new IpvsParseError(WHAT, start + 1, line, reason);
  }
  listing.mode = mode;
  let current: VirtualService | undefined;
  lines.slice(start + 2).forEach((line, k) => {
    const index = start + 2 + k;
    atLine(WHAT, index, line, () => {
      const tokens = fields(line);
      if (tokens[0] === '->') {
        if (!current) reject('real server row before any service row');
        current.dests.push(readDest(tokens.slice(1), mode));
      } else {
        current = readService(tokens, mode);
        listing.services.push(current);
      }
    });
  });
  return listing;
}
