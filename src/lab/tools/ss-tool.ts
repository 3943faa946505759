// The lab's `ss` (iproute2 6.1): the TCP sockets of the calling host, e.g. the engine's
// `ss -Htn state established '( sport = :80 or sport = :443 )'`, with ss's columns (the State
// column only when the state filter allows several states; `-H` without the header), its
// messages and exit status. Only TCP over IPv4 exists in the lab.
import { parseSsFilter, SS_STATES, type SsSocket, type SsState } from './ss-filter.ts';
import type { ToolResult } from './tool-server.ts';

export type { SsSocket, SsState } from './ss-filter.ts';

interface Flags {
  header: boolean;
  tcp: boolean;
  otherProtocol: boolean;
  all: boolean;
  listening: boolean;
  ipv6Only: boolean;
}

const SHORT_FLAGS = new Set(['H', 't', 'n', 'a', 'l', '4', '6', 'u', 'w', 'x', 'r', 'o', 'e', 'p', 'i', 'm', 'O']);
const LONG_FLAGS: Record<string, string> = {
  '--no-header': 'H',
  '--tcp': 't',
  '--numeric': 'n',
  '--all': 'a',
  '--listening': 'l',
  '--ipv4': '4',
  '--ipv6': '6',
  '--udp': 'u',
  '--raw': 'w',
  '--unix': 'x',
  '--resolve': 'r',
  '--options': 'o',
  '--extended': 'e',
  '--processes': 'p',
  '--info': 'i',
  '--memory': 'm',
  '--oneline': 'O',
};

const USAGE = 'Usage: ss [ OPTIONS ]\n       ss [ OPTIONS ] [ FILTER ]\n';

// ss's default: every state but listening, closed, time-wait and syn-recv.
const DEFAULT_STATES: readonly SsState[] = SS_STATES.filter((s) => !['LISTEN', 'UNCONN', 'TIME-WAIT', 'SYN-RECV'].includes(s));

/** ss's table: widths from the cells (and the header when shown); addresses right, ports left. */
export function renderSs(sockets: readonly SsSocket[], options: { header: boolean; state: boolean }): string {
  const port = (p: number) => (p === 0 ? '*' : String(p));
  const rows = sockets.map((s) => ({
    state: s.state,
    recv: String(s.recvQ),
    send: String(s.sendQ),
    la: s.local.address,
    lp: port(s.local.port),
    pa: s.peer.address,
    pp: port(s.peer.port),
  }));
  const head = { state: 'State', recv: 'Recv-Q', send: 'Send-Q', la: 'Local Address', lp: 'Port', pa: 'Peer Address', pp: 'Port' };
  const all = options.header ? [head, ...rows] : rows;
  const width = (key: keyof typeof head, min = 0) => Math.max(min, ...all.map((r) => r[key].length));
  const w = { state: width('state'), recv: width('recv', 6), send: width('send', 6), la: width('la'), lp: width('lp'), pa: width('pa'), pp: width('pp') };
  const line = (r: typeof head) =>
    `${options.state ? `${r.state.padEnd(w.state)} ` : ''}${r.recv.padEnd(w.recv)} ${r.send.padEnd(w.send)} ` +
    `${r.la.padStart(w.la)}:${r.lp.padEnd(w.lp)} ${r.pa.padStart(w.pa)}:${r.pp.padEnd(w.pp)}`;
  // NOTE: the header's Process column is never filled: the lab does not say which process owns a socket.
  const lines = [...(options.header ? [`${line(head)} Process`] : []), ...rows.map(line)];
  return lines.map((l) => `${l}\n`).join('');
}

/** Runs one `ss` command line over the host's sockets. */
export function runSs(sockets: readonly SsSocket[], argv: readonly string[]): ToolResult {
  const flags: Flags = { header: true, tcp: false, otherProtocol: false, all: false, listening: false, ipv6Only: false };
  const rest: string[] = [];
  for (const arg of argv) {
    const letters = arg.startsWith('--') ? [LONG_FLAGS[arg] ?? ''] : arg.startsWith('-') && arg.length > 1 ? [...arg.slice(1)] : undefined;
    if (!letters) {
      rest.push(arg);
      continue;
    }
    for (const c of letters) {
      if (!SHORT_FLAGS.has(c)) return { stderr: `ss: invalid option -- '${c || arg}'\n${USAGE}`, exitCode: 255 };
      if (c === 'H') flags.header = false;
      else if (c === 't') flags.tcp = true;
      else if (c === 'a') flags.all = true;
      else if (c === 'l') flags.listening = true;
      else if (c === '6') flags.ipv6Only = true;
      else if (c === 'u' || c === 'w' || c === 'x') flags.otherProtocol = true;
    }
  }
  const filter = parseSsFilter(rest);
  if (!filter.ok) {
    if (filter.error === 'state') return { stderr: `ss: wrong state name: ${filter.word}\n`, exitCode: 255 };
    return { stderr: `ss: bison bellows (while parsing filter): "syntax error!" Sorry.\n${USAGE}`, exitCode: 255 };
  }
  // -l is listening and closed (unconnected) sockets, so it shows the State column, as ss does.
  const states = filter.states ?? new Set(flags.all ? SS_STATES : flags.listening ? (['LISTEN', 'UNCONN'] as const) : DEFAULT_STATES);
  // Only TCP over IPv4 exists here: asking for another protocol alone, or IPv6 alone, finds nothing.
  const none = (flags.otherProtocol && !flags.tcp) || flags.ipv6Only;
  const shown = none ? [] : sockets.filter((s) => states.has(s.state) && filter.predicate(s));
  const showState = states.size !== 1;
  if (shown.length === 0 && !flags.header) return { stdout: '', exitCode: 0 };
  return { stdout: renderSs(shown, { header: flags.header, state: showState }), exitCode: 0 };
}
