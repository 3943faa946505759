// The connection table in its two forms: `ipvsadm -L -n -c` (`list_conn`/`print_conn`,
// ipvsadm.c:1692-1740) and the kernel's /proc/net/ip_vs_conn (`ip_vs_conn_seq_show`).
// Rows keep their order: the kernel lists them in hash order and nothing sorts them.
import { formatEndpoint } from './address.ts';
import { formatIpv6, formatIpv6Full, ipv4ToNumber, ipv6ToWords, numberToIpv4 } from './ip-number.ts';
import type { ConnectionEntry, Endpoint } from './model.ts';
import { atLine, IpvsParseError, reject } from './parse-error.ts';
import { fields, outputLines } from './tokens.ts';
import { endpointOrReject } from './service-line.ts';

export interface ConnListing {
  /** Listed with `--persistent-conn` (adds the `pe name`/`pe_data` columns). */
  persistentConn: boolean;
  entries: ConnectionEntry[];
}

export interface ProcConnTable {
  /** Header ends in `PEName PEData` (Linux 2.6.37+); older kernels stop at `Expires`. */
  peColumns: boolean;
  entries: ConnectionEntry[];
}

const CONN_TITLE = 'IPVS connection entries';
const CONN_HEADER = `pro expire ${'state'.padEnd(11)} ${'source'.padEnd(18)} ${'virtual'.padEnd(18)} destination`;
// NOTE: the header pads `destination` to 18 and `pe name` to 16; the rows do the opposite.
const CONN_HEADER_PE =
  `pro expire ${'state'.padEnd(11)} ${'source'.padEnd(18)} ${'virtual'.padEnd(18)} ` + `${'destination'.padEnd(18)} ${'pe name'.padEnd(16)} pe_data`;
const PROC_HEADER = 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires';
const PROC_PE = ' PEName PEData';

/** `%02d:%02d` of minutes and seconds, minutes unbounded (`180:00`). */
export function formatExpiry(seconds: number): string {
  const pad2 = (n: number) => String(n).padStart(2, '0');
  return `${pad2(Math.floor(seconds / 60))}:${pad2(seconds % 60)}`;
}

export function parseExpiry(text: string): number | undefined {
  const m = /^(\d{2,}):(\d{2})$/.exec(text);
  return m && Number(m[2]) < 60 ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** A template has client port 0 (a real flow never does); fwmark templates say `IP`. */
function isTemplate(protocol: string, client: Endpoint): boolean {
  return client.port === 0 || protocol === 'IP';
}

// ---- ipvsadm -L -n -c ------------------------------------------------------------------

/** One `print_conn` row; the PE columns only when listing with them and the entry has them. */
export function renderConnRow(entry: ConnectionEntry, persistentConn = false): string {
  const head = [
    entry.protocol.padEnd(3),
    formatExpiry(entry.expires).padEnd(6),
    entry.state.padEnd(11),
    formatEndpoint(entry.client).padEnd(18),
    formatEndpoint(entry.virtual).padEnd(18),
  ].join(' ');
  const dest = formatEndpoint(entry.destination);
  if (persistentConn && entry.peName !== undefined && entry.peData !== undefined) {
    return `${head} ${dest.padEnd(16)} ${entry.peName.padEnd(18)} ${entry.peData}`;
  }
  return `${head} ${dest}`;
}

/** The whole stdout of `ipvsadm -L -n -c [--persistent-conn]`. */
export function renderConnList(entries: readonly ConnectionEntry[], options: { persistentConn?: boolean } = {}): string {
  const pc = options.persistentConn ?? false;
  const lines = [CONN_TITLE, pc ? CONN_HEADER_PE : CONN_HEADER, ...entries.map((e) => renderConnRow(e, pc))];
  return lines.map((l) => `${l}\n`).join('');
}

function readConnRow(tokens: readonly string[]): ConnectionEntry {
  const [protocol, expire, state, client, virtual, destination, peName, peData, ...extra] = tokens;
  if (destination === undefined || extra.length > 0 || (peName !== undefined && peData === undefined)) {
    reject(`expected 6 or 8 fields, got ${tokens.length}`);
  }
  const entry: ConnectionEntry = {
    protocol: protocol ?? '',
    expires: parseExpiry(expire ?? '') ?? reject(`bad expiry "${expire ?? ''}"`),
    state: state ?? '',
    client: endpointOrReject(client, 'client'),
    virtual: endpointOrReject(virtual, 'virtual address'),
    destination: endpointOrReject(destination, 'destination'),
    template: false,
  };
  entry.template = isTemplate(entry.protocol, entry.client);
  return peName === undefined ? entry : { ...entry, peName, peData: peData ?? '' };
}

/** Parse `ipvsadm -L -n -c [--persistent-conn]`; throws IpvsParseError on anything else. */
export function parseConnList(text: string): ConnListing {
  const what = 'ipvsadm -L -n -c output';
  const lines = outputLines(text);
  if (lines[0] !== CONN_TITLE) throw new IpvsParseError(what, 1, lines[0] ?? '', `expected "${CONN_TITLE}"`);
  const header = fields(lines[1] ?? '').join(' ');
  const persistentConn = header === fields(CONN_HEADER_PE).join(' ');
  if (!persistentConn && header !== fields(CONN_HEADER).join(' ')) {
    throw new IpvsParseError(what, 2, lines[1] ?? '', 'not a connection-list header');
  }
  const entries = lines.slice(2).map((line, k) => atLine(what, k + 2, line, () => readConnRow(fields(line))));
  return { persistentConn, entries };
}

// ---- /proc/net/ip_vs_conn --------------------------------------------------------------

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

/** `%08X` for IPv4, `%pI6` (full, uncompressed) for IPv6. */
function procAddress(endpoint: Endpoint): string {
  if (endpoint.family === 'inet6') return formatIpv6Full(ipv6ToWords(endpoint.address) ?? []);
  return hex(ipv4ToNumber(endpoint.address) ?? 0, 8);
}

export function renderProcConnRow(entry: ConnectionEntry): string {
  const pe = entry.peName === undefined ? '' : ` ${entry.peName} ${entry.peData ?? ''}`;
  const ep = (e: Endpoint) => `${procAddress(e)} ${hex(e.port, 4)}`;
  const row = [entry.protocol.padEnd(3), ep(entry.client), ep(entry.virtual), ep(entry.destination), entry.state.padEnd(11)];
  return `${row.join(' ')} ${String(entry.expires).padStart(7)}${pe}`;
}

/** The whole content of /proc/net/ip_vs_conn. */
export function renderProcConn(entries: readonly ConnectionEntry[], options: { peColumns?: boolean } = {}): string {
  const header = PROC_HEADER + ((options.peColumns ?? true) ? PROC_PE : '');
  return [header, ...entries.map(renderProcConnRow)].map((l) => `${l}\n`).join('');
}

function readProcEndpoint(addr: string | undefined, port: string | undefined, what: string): Endpoint {
  if (port === undefined || !/^[0-9A-Fa-f]{4}$/.test(port)) reject(`${what} port "${port ?? ''}" is not 4 hex digits`);
  const p = parseInt(port, 16);
  if (addr !== undefined && /^[0-9A-Fa-f]{8}$/.test(addr)) {
    return { family: 'inet', address: numberToIpv4(parseInt(addr, 16)), port: p };
  }
  const words = addr === undefined ? undefined : ipv6ToWords(addr);
  if (!words) reject(`${what} address "${addr ?? ''}" is neither %08X nor IPv6`);
  return { family: 'inet6', address: formatIpv6(words), port: p };
}

function readProcRow(tokens: readonly string[]): ConnectionEntry {
  const [protocol = '', ca, cp, va, vp, da, dp, state = '', expires, peName, peData] = tokens;
  if (tokens.length < 9 || tokens.length > 11) reject(`expected 9 to 11 fields, got ${tokens.length}`);
  const client = readProcEndpoint(ca, cp, 'client');
  const entry: ConnectionEntry = {
    protocol,
    expires: Number(/^\d+$/.test(expires ?? '') ? expires : reject(`bad expiry "${expires ?? ''}"`)),
    state,
    client,
    virtual: readProcEndpoint(va, vp, 'virtual'),
    destination: readProcEndpoint(da, dp, 'destination'),
    template: isTemplate(protocol, client),
  };
  return peName === undefined ? entry : { ...entry, peName, peData: peData ?? '' };
}

/** Parse /proc/net/ip_vs_conn (with or without the PE columns). */
export function parseProcConn(text: string): ProcConnTable {
  const what = '/proc/net/ip_vs_conn';
  const lines = outputLines(text);
  const header = lines[0] ?? '';
  const peColumns = header === PROC_HEADER + PROC_PE;
  if (!peColumns && header !== PROC_HEADER) throw new IpvsParseError(what, 1, header, 'not the ip_vs_conn header');
  const entries = lines.slice(1).map((line, k) => atLine(what, k + 1, line, () => readProcRow(fields(line))));
  return { peColumns, entries };
}
