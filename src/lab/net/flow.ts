// One client connection through the VIP, forwarded to its real server the way IPVS NAT treats
// its packets: while the dest is in the table they flow (and refresh the entry's timer); while it
// is deleted they are dropped (LVS.md §4.1): both sockets pause, nothing is forwarded, the timer
// is not refreshed, and a re-add delivers what waited (TCP retransmission in reality). When the
// entry expires, both sockets are destroyed. In DR the director sees only the client's packets:
// the server's replies (and its FIN) never reach the connection table or the Out counters.
import { connect, type Socket } from 'node:net';
import type { Endpoint } from '../../ipvs/model.ts';
import type { ConnRecord, ConnTable } from './conn-table.ts';
import type { TcpDirection } from './tcp-states.ts';
import type { NetClock, TimerHandle } from './timers.ts';

/** What the director does with this flow's packets right now (`expire`: its dest is gone and expire_nodest_conn=1). */
export type Route = 'forward' | 'drop' | 'expire';

export type FlowEvent =
  | { type: 'established' }
  | { type: 'backend-failed'; error: string }
  | { type: 'stalled' }
  | { type: 'resumed'; delivered: number }
  | { type: 'expired'; state: string; stalled: boolean }
  | { type: 'lost-entry' }
  | { type: 'closed' };

export interface FlowOptions {
  client: Socket;
  conns: ConnTable;
  entry: ConnRecord;
  virtual: Endpoint;
  destination: Endpoint;
  /** Whether the dest is routable now (in the table, and Masq). Asked on every packet. */
  route: () => Route;
  /** The live director's table; when it is no longer ours, the flow has lost its entry. */
  liveConns: () => ConnTable;
  /** lvs_sync_daemon: the new MASTER knows the flow, so it survives a failover. */
  syncConnections: boolean;
  clock: NetClock;
  /** Re-check interval while dropping: first, and the cap of its doubling (ms). */
  retransmitMs: { initial: number; max: number };
  /** NAT (default true): replies pass the director. DR/TUN: false, they go straight to the client. */
  directorSeesReplies?: boolean;
  onEvent: (event: FlowEvent) => void;
}

export interface Flow {
  readonly destination: Endpoint;
  readonly client: Endpoint;
  isStalled(): boolean;
  /** The local end of the connection to the real server, once it is open (what that server sees as its peer). */
  backendLocal(): Endpoint | undefined;
  /** Re-evaluate the route now (the table changed). */
  recheck(): void;
  /** Tear down both sockets at once (VIP shutdown). */
  destroy(): void;
}

type Item = { dir: TcpDirection; kind: 'data'; chunk: Buffer } | { dir: TcpDirection; kind: 'fin' | 'rst' };

// Packet estimates for --stats: MSS-sized segments with 40-byte IP+TCP headers.
const MSS = 1460;
const HEADER = 40;
const packetsOf = (bytes: number) => Math.max(1, Math.ceil(bytes / MSS));

/** A FIN we sent (`end()`) whose shutdown has not completed yet. */
const isShuttingDown = (socket: Socket) => socket.writableEnded && !socket.writableFinished;

/** Close a socket with a RST (a connecting one, or one whose FIN is still in flight, just goes away). */
function kill(socket: Socket | undefined): void {
  if (!socket || socket.destroyed) return;
  // NOTE: libuv refuses a reset while a shutdown is in flight (uv_tcp_close_reset: EINVAL, "mixing
  // uv_shutdown and uv_tcp_close_reset is not allowed"), and Node then never closes the handle:
  // the process cannot exit and spins in its exit cleanup (issue 8). Close those plainly.
  if (socket.connecting || isShuttingDown(socket)) socket.destroy();
  else socket.resetAndDestroy();
}

/** Start forwarding `client` (accepted, paused) to `destination`. */
export function startFlow(options: FlowOptions): Flow {
  const { client, virtual, destination, clock } = options;
  let conns = options.conns;
  let entry = options.entry;
  let backend: Socket | undefined;
  let connected = false;
  let stalled = false;
  let done = false;
  let rto = options.retransmitMs.initial;
  let retransmit: TimerHandle | undefined;
  const queue: Item[] = [];
  const blocked: Record<TcpDirection, boolean> = { in: false, out: false };
  const clientEndpoint: Endpoint = entry.client;
  const seesReplies = options.directorSeesReplies ?? true;
  /** Whether the director sees a packet going this way. */
  const seen = (dir: TcpDirection) => dir === 'in' || seesReplies;

  const record = (dir: TcpDirection, bytes: number, pkts: number) => {
    if (!seen(dir)) return;
    conns.traffic.record(virtual, destination, dir === 'in' ? { inPkts: pkts, inBytes: bytes } : { outPkts: pkts, outBytes: bytes });
  };

  const finish = (event?: FlowEvent) => {
    if (done) return;
    done = true;
    // The entry outlives the flow (TIME_WAIT...); it must not keep the sockets reachable.
    entry.onExpire = undefined;
    if (retransmit) clock.clearTimeout(retransmit);
    retransmit = undefined;
    if (event) options.onEvent(event);
  };
  const teardown = (event: FlowEvent) => {
    if (done) return;
    finish(event);
    kill(client);
    kill(backend);
  };
  const onExpire = () => teardown({ type: 'expired', state: entry.state, stalled });
  entry.onExpire = onExpire;

  const updateReading = () => {
    const flowing = connected && !stalled && !done;
    if (flowing && !blocked.in) client.resume();
    else client.pause();
    if (flowing && !blocked.out) backend?.resume();
    else backend?.pause();
  };

  const deliver = (item: Item) => {
    const target = item.dir === 'in' ? backend : client;
    if (item.kind === 'data') {
      if (seen(item.dir)) conns.packet(entry, item.dir, 'ack');
      const pkts = packetsOf(item.chunk.length);
      record(item.dir, item.chunk.length + pkts * HEADER, pkts);
      if (target && !target.destroyed && !target.write(item.chunk) && !blocked[item.dir]) {
        const dir = item.dir;
        blocked[dir] = true;
        target.once('drain', () => {
          blocked[dir] = false;
          updateReading();
        });
      }
    } else {
      if (seen(item.dir)) conns.packet(entry, item.dir, item.kind);
      record(item.dir, HEADER, 1);
      if (target && !target.destroyed) {
        if (item.kind === 'fin') target.end();
        else kill(target);
      }
    }
  };

  // The flow's entry lives in one director's table; after a failover it is gone unless synced.
  const ownsEntry = (): boolean => {
    const live = options.liveConns();
    if (live === conns) return true;
    if (!options.syncConnections) return false;
    entry.onExpire = undefined;
    conns = live;
    entry = live.add({ client: entry.client, virtual, destination, state: entry.state, onExpire, inputOnly: entry.inputOnly });
    return true;
  };

  const armRetransmit = () => {
    if (retransmit || done) return;
    retransmit = clock.setTimeout(() => {
      retransmit = undefined;
      rto = Math.min(rto * 2, options.retransmitMs.max);
      recheck();
    }, rto);
  };

  const recheck = () => {
    if (done) return;
    if (!ownsEntry()) return teardown({ type: 'lost-entry' });
    const route = options.route();
    // The kernel expires the entry at the packet instead of dropping it; the client sees a reset.
    if (route === 'expire') return conns.expire(entry);
    if (route === 'drop') {
      if (!stalled) options.onEvent({ type: 'stalled' });
      stalled = true;
      updateReading();
      return armRetransmit();
    }
    if (!backend) return openBackend();
    if (!connected) return;
    const delivered = queue.length;
    if (stalled) {
      stalled = false;
      rto = options.retransmitMs.initial;
      if (retransmit) clock.clearTimeout(retransmit);
      retransmit = undefined;
      options.onEvent({ type: 'resumed', delivered });
    }
    while (queue.length > 0 && !done) deliver(queue.shift() as Item);
    updateReading();
  };

  const handle = (item: Item) => {
    if (done) return;
    queue.push(item);
    if (queue.length === 1 && connected && !stalled) {
      // Fast path: the common case checks the route once per packet and forwards it.
      if (!ownsEntry()) return teardown({ type: 'lost-entry' });
      if (options.route() === 'forward') return deliver(queue.shift() as Item);
    }
    recheck();
  };

  const maybeClosed = () => {
    if (client.destroyed && (!backend || backend.destroyed)) finish({ type: 'closed' });
  };

  const openBackend = () => {
    const socket = connect({ host: destination.address, port: destination.port, allowHalfOpen: true, noDelay: true });
    backend = socket;
    socket.once('connect', () => {
      connected = true;
      if (seen('out')) conns.packet(entry, 'out', 'syn');
      conns.packet(entry, 'in', 'ack');
      record('out', 60, 1);
      options.onEvent({ type: 'established' });
      recheck();
    });
    socket.on('data', (chunk: Buffer) => handle({ dir: 'out', kind: 'data', chunk }));
    socket.on('end', () => handle({ dir: 'out', kind: 'fin' }));
    socket.on('error', (error: Error) => {
      if (connected) return handle({ dir: 'out', kind: 'rst' });
      // The server answered the SYN with a RST: the client sees its connection reset.
      if (seen('out')) conns.packet(entry, 'out', 'rst');
      teardown({ type: 'backend-failed', error: (error as NodeJS.ErrnoException).code ?? error.message });
    });
    socket.on('close', maybeClosed);
  };

  client.on('data', (chunk: Buffer) => handle({ dir: 'in', kind: 'data', chunk }));
  client.on('end', () => handle({ dir: 'in', kind: 'fin' }));
  client.on('error', () => handle({ dir: 'in', kind: 'rst' }));
  client.on('close', maybeClosed);
  recheck();

  return {
    destination,
    client: clientEndpoint,
    isStalled: () => stalled,
    backendLocal: () =>
      backend?.localAddress !== undefined && backend.localPort !== undefined
        ? { family: 'inet', address: backend.localAddress, port: backend.localPort }
        : undefined,
    recheck,
    destroy: () => teardown({ type: 'closed' }),
  };
}
