// A loopback TCP proxy the tests control: cut connections, freeze them silently, or hold new
// ones at the door (to count how many connects are in flight).
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections waiting at the door now (hold mode), and the most there ever were. */
  readonly held: number;
  readonly maxHeld: number;
  /** Destroys every open connection (both sides); new connections are still accepted. */
  cut(): void;
  /** Drops all bytes from now on without closing anything: a silent network failure. */
  freeze(): void;
  /** Lets the oldest held connection through. */
  releaseOne(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, options: { hold?: boolean } = {}): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const waiting: Socket[] = [];
  let accepted = 0;
  let maxHeld = 0;
  let frozen = false;

  const forward = (client: Socket) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    track(upstream);
    client.on('data', (data) => void (frozen || upstream.write(data)));
    upstream.on('data', (data) => void (frozen || client.write(data)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => {
      open.delete(socket);
      if (waiting.includes(socket)) waiting.splice(waiting.indexOf(socket), 1);
    });
    socket.on('error', () => {});
  };
  const server = createServer((client) => {
    accepted++;
    track(client);
    if (!options.hold) return forward(client);
    client.pause();
    waiting.push(client);
    maxHeld = Math.max(maxHeld, waiting.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const cut = () => {
    for (const socket of open) socket.destroy();
    waiting.length = 0;
  };
  return {
    port,
    get accepted() {
      return accepted;
    },
    get held() {
      return waiting.length;
    },
    get maxHeld() {
      return maxHeld;
    },
    cut,
    freeze: () => {
      frozen = true;
    },
    releaseOne: () => {
      const client = waiting.shift();
      if (!client) return;
      forward(client);
      client.resume();
    },
    close: () => {
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
