// The one-line outputs: `ipvsadm -L --timeout` (ipvsadm.c:2175) and `ipvsadm -v`.
import { IpvsParseError } from './parse-error.ts';
import { outputLines } from './tokens.ts';

/** Seconds: ESTABLISHED (`tcp`), FIN_WAIT (`tcpfin`) and UDP, as `--set` takes them. */
export interface IpvsTimeouts {
  tcp: number;
  tcpFin: number;
  udp: number;
}

/** The kernel defaults (`tcp_timeouts[]`, LVS.md §4.5). */
export const DEFAULT_TIMEOUTS: IpvsTimeouts = { tcp: 900, tcpFin: 120, udp: 300 };

export function renderTimeouts(t: IpvsTimeouts): string {
  return `Timeout (tcp tcpfin udp): ${t.tcp} ${t.tcpFin} ${t.udp}\n`;
}

function singleLine(what: string, text: string): string {
  const lines = outputLines(text);
  if (lines.length !== 1) throw new IpvsParseError(what, 0, text, `expected one line, got ${lines.length}`);
  return lines[0] ?? '';
}

export function parseTimeouts(text: string): IpvsTimeouts {
  const line = singleLine('ipvsadm -L --timeout output', text);
  const m = /^Timeout \(tcp tcpfin udp\): (\d+) (\d+) (\d+)$/.exec(line);
  if (!m) throw new IpvsParseError('ipvsadm -L --timeout output', 1, line, 'not a timeout line');
  return { tcp: Number(m[1]), tcpFin: Number(m[2]), udp: Number(m[3]) };
}

/** What `ipvsadm -v` says: `ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)`. */
export interface IpvsadmVersion {
  /** `1.31` (without the `v`). */
  version: string;
  /** Release date as printed, `2019/12/24`. */
  date: string;
  /** Option parser it was built with: `popt` or `getopt`. */
  optionProcessing: string;
  /** IPVS version it was compiled against, `1.2.1`. */
  ipvsVersion: string;
}

export const IPVSADM_1_31: IpvsadmVersion = { version: '1.31', date: '2019/12/24', optionProcessing: 'popt', ipvsVersion: '1.2.1' };

export function renderVersion(v: IpvsadmVersion): string {
  return `ipvsadm v${v.version} ${v.date} (compiled with ${v.optionProcessing} and IPVS v${v.ipvsVersion})\n`;
}

export function parseVersion(text: string): IpvsadmVersion {
  const line = singleLine('ipvsadm -v output', text);
  const m = /^ipvsadm v(\S+) (\S+) \(compiled with (\S+) and IPVS v(\d+\.\d+\.\d+)\)$/.exec(line);
  if (!m) throw new IpvsParseError('ipvsadm -v output', 1, line, 'not an ipvsadm version line');
  return { version: m[1] ?? '', date: m[2] ?? '', optionProcessing: m[3] ?? '', ipvsVersion: m[4] ?? '' };
}

/** True for 1.27-1.29, whose libnl-3 builds report wrong error texts (LVS.md §2). */
export function hasLegacyErrorWording(v: Pick<IpvsadmVersion, 'version'>): boolean {
  return ['1.27', '1.28', '1.29'].includes(v.version);
}
