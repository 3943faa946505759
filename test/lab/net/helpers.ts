// Tiny real servers, a hand-built IPVS table and polling waits for the lab network tests.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Destination, IpvsTable, VirtualService } from '../../../src/ipvs/model.ts';

export async function listen<T extends Server | HttpServer>(server: T): Promise<T & { port: number }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return Object.assign(server, { port: typeof address === 'object' && address ? address.port : 0 });
}

/** A TCP server answering every chunk with `<name>:<chunk>`; counts connections. */
export async function startEchoServer(name: string) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer({ allowHalfOpen: false }, (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => socket.write(`${name}:${chunk.toString()}`));
  });
  const s = await listen(server);
  return {
    name,
    port: s.port,
    connections: () => connections,
    open: () => sockets.size,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type EchoServer = Awaited<ReturnType<typeof startEchoServer>>;

/** An HTTP app like the lab's: `version=<v> host=<name>`, with a fixed status. */
export async function startHttpApp(name: string, options: { version?: string; status?: number } = {}) {
  let requests = 0;
  const server = createHttpServer((_req, res) => {
    requests++;
    res.writeHead(options.status ?? 200, { 'content-type': 'text/plain' });
    res.end(`version=${options.version ?? 'v1'} host=${name}\n`);
  });
  const s = await listen(server);
  return {
    name,
    port: s.port,
    requests: () => requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function aDest(port: number, overrides: Partial<Destination> = {}): Destination {
  return {
    family: 'inet',
    address: '127.0.0.1',
    port,
    forward: 'Masq',
    weight: 1,
    upperThreshold: 0,
    lowerThreshold: 0,
    activeConns: 0,
    inactiveConns: 0,
    persistConns: 0,
    ...overrides,
  };
}

export function aService(vipPort: number, dests: Destination[], overrides: Partial<VirtualService> = {}): VirtualService {
  return {
    key: { kind: 'addr', protocol: 'tcp', family: 'inet', address: '127.0.0.1', port: vipPort },
    scheduler: 'rr',
    flags: [],
    ops: false,
    dests,
    ...overrides,
  };
}

export function aTable(services: VirtualService[]): IpvsTable {
  return { connTableSize: 4096, services };
}

/** Poll until `check` returns a truthy value (bounded); returns it. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A raw TCP client that accumulates what it receives. */
export async function openClient(port: number, localAddress?: string) {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  let received = '';
  let closed = false;
  let error: string | undefined;
  socket.on('data', (chunk) => (received += chunk.toString()));
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    localPort: socket.localPort ?? 0,
    send: (text: string) => socket.write(text),
    received: () => received,
    closed: () => closed,
    error: () => error,
    /** Wait until the reply to `text` (ending in it) has arrived; returns the server name. */
    async ask(text: string, timeoutMs = 5000): Promise<string> {
      const before = received.length;
      socket.write(text);
      const reply = await waitFor(
        () => {
          const m = new RegExp(`(\\w+):${text}`).exec(received.slice(before));
          return m?.[1];
        },
        `reply to ${text}`,
        timeoutMs,
      );
      return reply;
    },
    close: () => socket.destroy(),
  };
}
export type Client = Awaited<ReturnType<typeof openClient>>;
