// A flow's teardown must close both of its sockets whatever moment it comes at: a socket left
// half-closed keeps its handle, and a Node process holding such a handle never exits (issue 8:
// `npm run demo` spun at 100 % CPU in Node's exit cleanup after the VIP closed).
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../src/ipvs/model.ts';
import { createConnTable } from '../../../src/lab/net/conn-table.ts';
import { startFlow, type Flow } from '../../../src/lab/net/flow.ts';
import { realNetClock } from '../../../src/lab/net/timers.ts';
import { listen, waitFor } from './helpers.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const at = (port: number): Endpoint => ({ family: 'inet', address: '127.0.0.1', port });

/** A backend (answering with `reply` and a FIN, or keeping the connection open without one) and
 * a client accepted, paused, on a front port: what the VIP hands a flow. */
async function aConnection(reply?: string) {
  const backend = await listen(
    createServer((s) => {
      s.on('error', () => undefined);
      if (reply !== undefined) s.end(reply);
    }),
  );
  let accept: (socket: Socket) => void = () => undefined;
  const accepted = new Promise<Socket>((resolve) => (accept = resolve));
  const front = await listen(createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => accept(s)));
  const client = connect({ host: '127.0.0.1', port: front.port, allowHalfOpen: true });
  let clientError: string | undefined;
  client.on('error', (e: NodeJS.ErrnoException) => (clientError = e.code ?? e.message));
  const socket = await accepted;
  socket.on('error', () => undefined);
  const conns = createConnTable();
  cleanups.push(() => {
    client.destroy();
    socket.destroy();
    conns.close();
    return Promise.all([new Promise((r) => front.close(r)), new Promise((r) => backend.close(r))]);
  });
  const virtual = at(front.port);
  const destination = at(backend.port);
  const entry = conns.add({ client: at(client.localPort ?? 0), virtual, destination });
  const start = (): Flow =>
    startFlow({
      client: socket,
      conns,
      entry,
      virtual,
      destination,
      route: () => 'forward',
      liveConns: () => conns,
      syncConnections: false,
      clock: realNetClock,
      retransmitMs: { initial: 200, max: 1000 },
      onEvent: () => undefined,
    });
  return { socket, start, clientError: () => clientError };
}

/** Whether the socket has emitted 'close', which comes once its handle is released (a handle never released never emits it). */
function watchClose(socket: Socket): () => boolean {
  let closed = false;
  socket.once('close', () => (closed = true));
  return () => closed;
}

describe('flow teardown', () => {
  it('closes the client socket when torn down in the tick that handed it the FIN (issue 8)', async () => {
    const c = await aConnection('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    const closed = watchClose(c.socket);
    // The moment that hung the demo, made exact: the VIP closes (every flow torn down) right after
    // a flow handed the backend's FIN to its client, i.e. while that socket's shutdown is in flight.
    let flow: Flow | undefined;
    let endedThenDestroyed = false;
    const end = c.socket.end.bind(c.socket) as (...args: unknown[]) => Socket;
    c.socket.end = ((...args: unknown[]) => {
      const result = end(...args);
      endedThenDestroyed = true;
      flow?.destroy();
      return result;
    }) as typeof c.socket.end;
    flow = c.start();
    await waitFor(() => endedThenDestroyed, 'the FIN to reach the client socket', 10_000);
    await waitFor(closed, "the client socket's 'close'", 10_000);
    expect(c.socket.destroyed).toBe(true);
  });

  it('still resets the client when torn down before any FIN', async () => {
    const c = await aConnection();
    const flow = c.start();
    await waitFor(() => c.socket.readableFlowing === true, 'the flow to start reading', 10_000);
    const closed = watchClose(c.socket);
    flow.destroy();
    await waitFor(closed, "the client socket's 'close'", 10_000);
    await waitFor(() => c.clientError(), 'the client to see the reset', 10_000);
    expect(c.clientError()).toBe('ECONNRESET');
  });
});
