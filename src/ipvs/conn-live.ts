// Which connections can still carry data, counted from the connection table (`ipvsadm -L -n -c`)
// reduced to counts on the director, so a director with a million entries ships a few lines.
//
// The decision (LVS.md §4.4-4.5, the kernel's tcp_states and timeouts):
// - NAT (Masq) sees both directions, so its states are real. ESTABLISHED, SYN_SENT, SYN_RECV,
//   FIN_WAIT (half-closed: the other side may still send), CLOSE_WAIT, LAST_ACK, LISTEN and
//   SYNACK can still carry data: they are live. TIME_WAIT (120 s) and CLOSE (10 s) cannot: the
//   connection is over and IPVS only remembers it. InActConn counts both kinds, which is why
//   waiting for ActiveConn + InActConn waits two minutes after the last request for nothing.
// - DR and TUN (Route, Tunnel) see only the client's packets: the states are inferred. Only
//   ESTABLISHED and SYN_RECV are live; FIN_WAIT there means the client closed (the server's
//   close is invisible), and TIME_WAIT practically never appears.
// - UDP has no states: an entry lives until the UDP timeout after its last packet, and a
//   packet of it still reaches a quiesced server. It is live, in every mode.
// - Persistence templates (client port 0, or protocol IP for fwmark services) carry no data:
//   counted apart (`persist`), reported, never waited for unless asked.
import { sameEndpoint } from './address.ts';
import type { Endpoint, ForwardMethod, ServiceKey } from './model.ts';
import { endpointOrReject } from './service-line.ts';

const LIVE_NAT = new Set(['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'SYNACK', 'UDP']);
const LIVE_ROUTED = new Set(['ESTABLISHED', 'SYN_RECV', 'UDP']);

/** Can an entry in `state` still carry data, for a destination forwarded by `forward`? */
export function isLiveState(state: string, forward: ForwardMethod): boolean {
  return (forward === 'Masq' ? LIVE_NAT : LIVE_ROUTED).has(state);
}

/** One line of the reduced table: how many entries share protocol, state, virtual and destination. */
export interface ConnGroup {
  count: number;
  protocol: string;
  state: string;
  virtual: Endpoint;
  destination: Endpoint;
  /** Persistence templates (client port 0 or protocol IP). */
  template: boolean;
}

/**
 * The awk program run on the director after `ipvsadm -L -n -c`: groups the rows (fields split on
 * whitespace: columns shift when an address is wider than 18) and prints `count proto state
 * virtual destination T|F`. It exits 3 when its input is not ipvsadm's listing (ipvsadm failed).
 */
export const CONN_REDUCER_AWK =
  'NR == 1 && $0 != "IPVS connection entries" { bad = 1 } ' +
  'NR > 2 { t = ($4 ~ /:0$/ || $1 == "IP") ? "T" : "F"; n[$1 " " $3 " " $5 " " $6 " " t]++ } ' +
  'END { if (bad || NR < 2) exit 3; for (k in n) print n[k], k }';

/** Parses the reducer's output; a line that is not one is an error naming it. */
export function parseConnGroups(stdout: string): ConnGroup[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const [count, protocol, state, virtual, destination, template] = line.trim().split(/\s+/);
      if (!count || !/^\d+$/.test(count) || !protocol || !state || !virtual || !destination || (template !== 'T' && template !== 'F')) {
        throw new Error(`line ${i + 1} of the reduced connection table is not "count proto state virtual destination T|F": ${JSON.stringify(line)}`);
      }
      // The fwmark templates' virtual is the mark as an IPv4 number (e.g. 0.0.0.10:0): still an endpoint.
      return {
        count: Number(count),
        protocol,
        state,
        virtual: endpointOrReject(virtual, 'virtual'),
        destination: endpointOrReject(destination, 'destination'),
        template: template === 'T',
      };
    });
}

/** The entries of one destination in one service, live and templates. */
export function liveConnections(
  groups: readonly ConnGroup[],
  service: ServiceKey,
  destination: Endpoint,
  forward: ForwardMethod,
): { live: number; persist: number } {
  let live = 0;
  let persist = 0;
  for (const g of groups) {
    if (!sameEndpoint(g.destination, destination) && !(g.destination.port === 0 && sameEndpoint(g.destination, { ...destination, port: 0 }))) continue;
    // Address services match by virtual address:port; a fwmark service's flows show the packet's
    // real VIP, so any virtual counts there.
    if (service.kind === 'addr' && !g.template && !sameEndpoint(g.virtual, service)) continue;
    if (service.kind === 'addr' && g.template && !sameEndpoint(g.virtual, { ...service, port: g.virtual.port })) continue;
    if (g.template) persist += g.count;
    else if (isLiveState(g.state, forward)) live += g.count;
  }
  return { live, persist };
}
