// Long-lived client connections through the VIP: the fault that makes a drain wait. `idle`
// opens TCP connections and sends nothing; `request` keeps an HTTP request in flight (the
// app's `/slow?ms=N`). They stay until the peer closes them, close() or the signal.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { canBindClientAddresses, clientAddress } from './client-address.ts';

export interface HoldOptions {
  url: string;
  count: number;
  signal?: AbortSignal;
  mode?: 'idle' | 'request';
  /** For `request` mode (default `/slow?ms=60000`). */
  path?: string;
  /** Spread over this many 127.0.2.x source addresses (default 1). */
  clients?: number;
}

export interface HeldConnections {
  /** Connections that were established. */
  readonly opened: number;
  /** Connections that could not be established. */
  readonly failedToOpen: number;
  /** Still open now. */
  open(): number;
  /** Closed by the other side (server, VIP reset or expiry), not by us. */
  closedByPeer(): number;
  /** `request` mode: responses received (status → count). */
  responses(): Record<number, number>;
  close(): Promise<void>;
}

/** Open `count` connections and resolve once each is established (or failed). */
export async function holdConnections(options: HoldOptions): Promise<HeldConnections> {
  const url = new URL(options.url);
  const port = Number(url.port);
  const clients = (options.clients ?? 1) > 1 && (await canBindClientAddresses()) ? (options.clients ?? 1) : 1;
  const sockets = new Set<Socket>();
  const responses: Record<number, number> = {};
  let closing = false;
  let closedByPeer = 0;
  let opened = 0;
  let failedToOpen = 0;

  const track = (socket: Socket) =>
    new Promise<void>((resolve) => {
      socket.once('connect', () => {
        opened++;
        sockets.add(socket);
        resolve();
      });
      socket.on('error', () => undefined);
      socket.once('close', () => {
        if (sockets.delete(socket)) {
          if (!closing) closedByPeer++;
        } else failedToOpen++;
        resolve();
      });
    });

  const openOne = (k: number): Promise<void> => {
    const localAddress = clients > 1 ? clientAddress(k % clients) : undefined;
    if ((options.mode ?? 'idle') === 'idle') return track(connect({ host: url.hostname, port, localAddress }));
    return new Promise((resolve) => {
      const req = request({
        host: url.hostname,
        port,
        localAddress,
        agent: false,
        path: options.path ?? '/slow?ms=60000',
        headers: { connection: 'close' },
      });
      req.on('socket', (socket) => void track(socket).then(resolve));
      req.on('response', (res) => {
        responses[res.statusCode ?? 0] = (responses[res.statusCode ?? 0] ?? 0) + 1;
        res.resume();
      });
      req.on('error', () => undefined);
      req.end();
    });
  };

  const close = async () => {
    closing = true;
    const all = [...sockets];
    await Promise.all(all.map((s) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve()).destroy()))));
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  await Promise.all(Array.from({ length: options.count }, (_, k) => openOne(k)));
  return {
    opened,
    failedToOpen,
    open: () => sockets.size,
    closedByPeer: () => closedByPeer,
    responses: () => ({ ...responses }),
    close,
  };
}
