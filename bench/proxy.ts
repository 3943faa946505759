// A counting TCP proxy on loopback: every accepted connection is counted, then piped to the
// target. Put in front of a lab SSH host, it counts the connections a run opens to that host.
import { connect, createServer, type Socket } from 'node:net';

export interface CountingProxy {
  port: number;
  /** Connections accepted since start (or the last reset). */
  accepted(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const keep = (socket: Socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    accepted += 1;
    keep(client);
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    keep(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy: no TCP address');
  return {
    port: address.port,
    accepted: () => accepted,
    reset: () => {
      accepted = 0;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
