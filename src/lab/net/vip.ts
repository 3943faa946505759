// The lab's VIP: a real TCP listener on loopback that behaves like an IPVS director (NAT, or DR
// with `deliver` saying which paths carry packets). Each new connection is scheduled on the
// routing director's table (rr/wrr/lc/wlc/sh, persistence), entered in that director's
// connection table, and forwarded by a Flow that follows the kernel: weight 0 keeps existing
// flows, a deleted dest drops their packets until it is re-added or the entry expires (LVS.md
// §4). A path that drops packets (a DR server without the VIP on lo...) stalls the flow the same
// way: a new connection hangs, an open one stops, until the path is back. Failover = the getters
// return the other director's table and connection table.
import { createServer, type Socket } from 'node:net';
import type { Destination, Endpoint, IpvsTable } from '../../ipvs/model.ts';
import type { ConnTable } from './conn-table.ts';
import { startFlow, type Flow, type FlowEvent, type Route } from './flow.ts';
import { endpointOf, pickDestination } from './persistence.ts';
import type { SchedulerState } from './scheduler.ts';
import { findDest, findTcpService, serviceId } from './table-lookup.ts';
import { realNetClock, type NetClock } from './timers.ts';

export type VipEvent =
  | { type: 'accepted'; client: Endpoint; destination: Endpoint; persistent: boolean; followedTemplate: boolean }
  | { type: 'no-service'; client: Endpoint }
  | { type: 'no-destination'; client: Endpoint }
  | { type: 'listener-error'; error: string }
  | ({ client: Endpoint; destination: Endpoint } & FlowEvent);

/** Whether packets to a dest get through now, and if not, who drops them. */
export type Delivery = 'forward' | 'server-no-vip' | 'director-no-vip' | 'no-forwarding';

export interface VipCounters {
  accepted: number;
  /** No TCP service on the VIP port in the routing table: reset at once. */
  noService: number;
  /** No available dest (all weight 0, none, sh without fallback): reset at once. */
  noDestination: number;
  /** The real server refused the connection: the client was reset. */
  backendFailed: number;
  stalled: number;
  resumed: number;
  /** Entries that expired with sockets still open (idle, or dropped while deleted). */
  expired: number;
  expiredWhileStalled: number;
  /** Flows reset because the routing director changed and had no entry for them. */
  lostEntry: number;
  /** Stalls because the DR real server does not hold the VIP on lo (it drops the packets; a new connection hangs). */
  serverNoVip: number;
  /** Stalls because the routing director does not hold the VIP (nothing answers for it). */
  directorNoVip: number;
  /** Stalls because the NAT director does not forward (net.ipv4.ip_forward=0: replies are dropped). */
  noForwarding: number;
  /** Flows with sockets open now. */
  open: number;
}

export interface VipOptions {
  /** Listening port; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** The routing (MASTER) director's table, read on every new connection and packet. */
  table: () => IpvsTable | undefined;
  /** The routing director's connection table (a getter, so failover can swap it). */
  conns: ConnTable | (() => ConnTable);
  /** `net.ipv4.vs.expire_quiescent_template` (default false, as the kernel). */
  expireQuiescentTemplate?: boolean | (() => boolean);
  /** `net.ipv4.vs.expire_nodest_conn`: flows of a deleted dest expire (reset) instead of stalling. Default false. */
  expireNodestConn?: boolean | (() => boolean);
  /** Model lvs_sync_daemon: flows survive a failover (default false: they are reset). */
  syncConnections?: boolean;
  /** Treat non-Masq dests as black holes: the lab is NAT, a Route dest cannot answer. Default true. */
  masqOnly?: boolean;
  /** Whether the path to a dest carries packets now (asked on every packet; default: always). */
  deliver?: (dest: Destination) => Delivery;
  /** Stalled flows re-check their route on this backoff, like TCP retransmissions. */
  retransmitMs?: { initial: number; max: number };
  clock?: NetClock;
  onEvent?: (event: VipEvent) => void;
}

export interface Vip {
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  /** Re-check every open flow at once; call it from the emulator's table-change hook. */
  notifyTableChanged(): void;
  /** The open flows: client, virtual service, real server, and the local end of the connection to it. */
  flows(): VipFlow[];
  counters(): VipCounters;
  close(): Promise<void>;
}

export interface VipFlow {
  client: Endpoint;
  virtual: Endpoint;
  destination: Endpoint;
  backendLocal: Endpoint | undefined;
}

const asGetter = <T>(v: T | (() => T)): (() => T) => (typeof v === 'function' ? (v as () => T) : () => v);

/** Listen on host:port and forward like an IPVS NAT director. */
export async function startVip(options: VipOptions): Promise<Vip> {
  const host = options.host ?? '127.0.0.1';
  const liveConns = asGetter(options.conns);
  const expireQuiescent = asGetter(options.expireQuiescentTemplate ?? false);
  const expireNodest = asGetter(options.expireNodestConn ?? false);
  const clock = options.clock ?? realNetClock;
  const masqOnly = options.masqOnly ?? true;
  const flows = new Set<Flow>();
  // Scheduler state is kernel state: one per director (connection table) and service.
  const schedState = new WeakMap<ConnTable, Map<string, SchedulerState>>();
  const counters: VipCounters = {
    accepted: 0,
    noService: 0,
    noDestination: 0,
    backendFailed: 0,
    stalled: 0,
    resumed: 0,
    expired: 0,
    expiredWhileStalled: 0,
    lostEntry: 0,
    open: 0,
    serverNoVip: 0,
    directorNoVip: 0,
    noForwarding: 0,
  };
  const emit = (event: VipEvent) => options.onEvent?.(event);
  let virtualPort = 0;

  const countFlowEvent = (event: FlowEvent) => {
    if (event.type === 'backend-failed') counters.backendFailed++;
    else if (event.type === 'stalled') counters.stalled++;
    else if (event.type === 'resumed') counters.resumed++;
    else if (event.type === 'lost-entry') counters.lostEntry++;
    else if (event.type === 'expired') {
      counters.expired++;
      if (event.stalled) counters.expiredWhileStalled++;
    }
  };

  // `why` keeps the last reason a path dropped, for the counters when the flow stalls.
  const routeOf = (virtual: Endpoint, destination: Endpoint, why: { reason?: Exclude<Delivery, 'forward'> }) => (): Route => {
    const dest = findDest(findTcpService(options.table(), virtual), destination);
    if (!dest && expireNodest()) return 'expire';
    if (!dest || (masqOnly && dest.forward !== 'Masq')) {
      delete why.reason;
      return 'drop';
    }
    const delivery = options.deliver?.(dest) ?? 'forward';
    if (delivery === 'forward') {
      delete why.reason;
      return 'forward';
    }
    why.reason = delivery;
    return 'drop';
  };
  const STALL_COUNTER = { 'server-no-vip': 'serverNoVip', 'director-no-vip': 'directorNoVip', 'no-forwarding': 'noForwarding' } as const;

  // Every accepted client socket, whatever became of its flow: close() must end them all, or the
  // listener never finishes closing (a half-open client outlives its flow).
  const sockets = new Set<Socket>();
  const accept = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Already gone (reset before we got to it): nothing to schedule.
    if (socket.remoteAddress === undefined || socket.remotePort === undefined) return void socket.destroy();
    socket.setNoDelay(true);
    const client: Endpoint = { family: 'inet', address: socket.remoteAddress, port: socket.remotePort };
    const virtual: Endpoint = { family: 'inet', address: host, port: virtualPort };
    const conns = liveConns();
    const service = findTcpService(options.table(), virtual);
    if (!service) {
      counters.noService++;
      emit({ type: 'no-service', client });
      return void socket.resetAndDestroy();
    }
    let states = schedState.get(conns);
    if (!states) {
      states = new Map();
      schedState.set(conns, states);
    }
    const pick = pickDestination({
      service,
      virtual,
      client,
      conns,
      state: states.get(serviceId(service)),
      expireQuiescentTemplate: expireQuiescent(),
    });
    states.set(serviceId(service), pick.state);
    if (!pick.dest) {
      // The kernel answers ICMP port unreachable; a RST is what a TCP client can see here.
      counters.noDestination++;
      emit({ type: 'no-destination', client });
      return void socket.resetAndDestroy();
    }
    const destination = endpointOf(pick.dest);
    // NOTE: DR/TUN connections carry IP_VS_CONN_F_NOOUTPUT: the director sees only the client.
    const nat = pick.dest.forward === 'Masq';
    // NOTE: a reused client port replaces the old entry and is scheduled afresh (conn_reuse_mode
    // simplified: the kernel does that for TIME_WAIT, and reuses the old dest otherwise).
    const entry = conns.add({ client, virtual, destination, state: 'SYN_RECV', controller: pick.template, inputOnly: !nat });
    conns.traffic.record(virtual, destination, { conns: 1, inPkts: 1, inBytes: 60 });
    counters.accepted++;
    emit({ type: 'accepted', client, destination, persistent: pick.template !== undefined, followedTemplate: pick.followedTemplate });
    counters.open++;
    const why: { reason?: Exclude<Delivery, 'forward'> } = {};
    const flow: Flow = startFlow({
      client: socket,
      conns,
      entry,
      virtual,
      destination,
      route: routeOf(virtual, destination, why),
      liveConns,
      syncConnections: options.syncConnections ?? false,
      clock,
      retransmitMs: options.retransmitMs ?? { initial: 200, max: 1000 },
      directorSeesReplies: nat,
      onEvent(event) {
        countFlowEvent(event);
        if (event.type === 'stalled' && why.reason) counters[STALL_COUNTER[why.reason]]++;
        if (event.type === 'closed' || event.type === 'expired' || event.type === 'lost-entry' || event.type === 'backend-failed') {
          if (flows.delete(flow)) counters.open--;
        }
        emit({ client, destination, ...event });
      },
    });
    flows.add(flow);
  };

  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, accept);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After start-up (e.g. EMFILE on accept): report, keep listening.
  server.on('error', (error: NodeJS.ErrnoException) => emit({ type: 'listener-error', error: error.code ?? error.message }));
  const address = server.address();
  virtualPort = typeof address === 'object' && address ? address.port : 0;

  return {
    host,
    port: virtualPort,
    url: `http://${host}:${virtualPort}/`,
    notifyTableChanged() {
      for (const flow of [...flows]) flow.recheck();
    },
    flows: () =>
      [...flows].map((f) => ({
        client: f.client,
        virtual: { family: 'inet', address: host, port: virtualPort },
        destination: f.destination,
        backendLocal: f.backendLocal(),
      })),
    counters: () => ({ ...counters }),
    close() {
      for (const flow of [...flows]) flow.destroy();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}
