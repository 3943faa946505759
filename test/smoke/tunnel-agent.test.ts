// A smoke check with a tunnel (app.smoke.via: ssh): every attempt asks the tunnel for a connection
// to the URL's host:port (the server's own address), and a tunnel that fails is a failed attempt,
// retried and reported like a refused connection, never a throw.
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventInput } from '../../src/events/types.ts';
import { runHttpCheck } from '../../src/smoke/http.ts';
import type { Tunnel } from '../../src/smoke/tunnel-agent.ts';

let app: Server;
let port: number;
let status = 503;

beforeAll(async () => {
  app = createServer((_req, res) => res.writeHead(status).end(`status ${status}`));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  port = (app.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => app.close(() => resolve()));
});

function check(tunnel: Tunnel, events: EventInput[]) {
  return runHttpCheck({
    check: { path: '/ready', expect: { status: 200 }, timeoutMs: 2_000, retries: 2, intervalMs: 5 },
    // Unroutable from here (TEST-NET-3): only the tunnel can get there.
    baseUrl: 'http://203.0.113.7:8080',
    emit: (e) => events.push(e),
    server: 'web1',
    tunnel,
  });
}

describe('runHttpCheck through a tunnel', () => {
  it("opens one channel per attempt to the server's address:port, and retries like a direct check", async () => {
    status = 503;
    const asked: string[] = [];
    const events: EventInput[] = [];
    const tunnel: Tunnel = async (host, p) => {
      asked.push(`${host}:${p}`);
      if (asked.length === 2) status = 200;
      return { ok: true, stream: connect(port, '127.0.0.1') };
    };
    const result = await check(tunnel, events);
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 2, url: 'http://203.0.113.7:8080/ready' });
    expect(asked).toEqual(['203.0.113.7:8080', '203.0.113.7:8080']);
    expect(events.map((e) => e.type)).toEqual(['retry', 'smoke']);
  });

  it('reports a tunnel that cannot open, or throws, as a failed check', async () => {
    const events: EventInput[] = [];
    const refused = await check(async () => ({ ok: false, connectionLost: true, error: 'connection to web1 lost' }), events);
    expect(refused).toMatchObject({
      ok: false,
      attempts: 3,
      detail: "ESSHFORWARD: no channel to 203.0.113.7:8080 through the server's SSH connection: connection to web1 lost",
    });
    const thrown = await check(async () => {
      throw new Error('boom');
    }, []);
    expect(thrown).toMatchObject({ ok: false, attempts: 3, detail: expect.stringContaining('boom') });
  });
});
