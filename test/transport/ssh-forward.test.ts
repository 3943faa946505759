// Issue 12 item 10 against a real OpenSSH sshd: HostSession.forward opens a direct-tcpip channel on
// the connection the session already holds (no second login), the smoke check's request travels
// through it to an HTTP server on the sshd host's loopback, and what goes wrong is a value.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventInput } from '../../src/events/types.ts';
import { runHttpCheck } from '../../src/smoke/http.ts';
import { dryRunSession } from '../../src/transport/dry-run.ts';
import { reconnectingSession } from '../../src/transport/reconnect.ts';
import type { HostSession, Transport } from '../../src/transport/types.ts';
import { startSshd, type Sshd } from '../helpers/sshd.ts';
import { targetOf, transportFor, waitFor } from './support.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

let sshd: Sshd;
let noForwarding: Sshd;
let app: Server;
let appPort: number;
const seen: string[] = [];
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  [sshd, noForwarding] = await Promise.all([startSshd(), startSshd({ extraConfig: ['AllowTcpForwarding no'] })]);
  app = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} host=${req.headers.host}`);
    res.writeHead(200, { 'content-type': 'text/plain', 'x-release': 'r2' }).end('release r2 on web1');
  });
  // Loopback of the sshd's host: "the server's address:port as the server sees it".
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appPort = (app.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  await new Promise<void>((resolve) => app?.close(() => resolve()));
  await Promise.all([sshd?.stop(), noForwarding?.stop()]);
});

async function open(server: Sshd, maxChannelsPerHost?: number): Promise<{ transport: Transport; session: HostSession }> {
  const transport = transportFor(server, maxChannelsPerHost === undefined ? {} : { maxChannelsPerHost });
  const session = await transport.connect(targetOf(server));
  cleanup.push(async () => {
    await session.close();
    await transport.close();
  });
  return { transport, session };
}

const logins = (server: Sshd) => (server.logs().match(/Accepted publickey/g) ?? []).length;

/** A smoke check of the app through `session`'s connection. */
function check(session: HostSession, events: EventInput[] = [], path = '/health') {
  return runHttpCheck({
    check: { path, expect: { status: 200, body: 'r2', header: { 'X-Release': 'r2' } }, timeoutMs: 5_000, retries: 0, intervalMs: 10 },
    baseUrl: `http://127.0.0.1:${appPort}`,
    hostHeader: 'www.example.com',
    emit: (e) => events.push(e),
    server: 'web1',
    tunnel: (host, port, signal) => session.forward(host, port, { signal }),
  });
}

describe('forward on a real sshd', () => {
  it('carries a smoke check through the existing connection: no new login', async () => {
    const { session } = await open(sshd);
    const before = logins(sshd);
    const events: EventInput[] = [];
    const result = await check(session, events);
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 1 });
    expect(seen.at(-1)).toBe('GET /health host=www.example.com');
    expect(events).toMatchObject([{ type: 'smoke', ok: true, url: `http://127.0.0.1:${appPort}/health` }]);
    // Ten more checks, still the one connection the session logged in with.
    for (let i = 0; i < 10; i++) expect(await check(session, [], `/n${i}`)).toMatchObject({ ok: true });
    expect(logins(sshd)).toBe(before);
  });

  it('gives the channel back when the request is done: one channel slot serves many checks and commands', async () => {
    const { session } = await open(sshd, 1);
    for (let i = 0; i < 3; i++) expect(await check(session)).toMatchObject({ ok: true });
    expect(await session.exec({ argv: ['echo', 'still here'], mutates: false, timeoutMs: 5_000 })).toMatchObject({ ok: true, stdout: 'still here\n' });
  });

  it('is a raw TCP stream to host:port', async () => {
    const { session } = await open(sshd);
    const opened = await session.forward('127.0.0.1', appPort);
    if (!opened.ok) throw new Error(opened.error);
    const chunks: Buffer[] = [];
    opened.stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const closed = new Promise((resolve) => opened.stream.once('close', resolve));
    opened.stream.end('GET /raw HTTP/1.1\r\nHost: raw\r\nConnection: close\r\n\r\n');
    await closed;
    const response = Buffer.concat(chunks).toString('utf8');
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response).toContain('release r2 on web1');
  });

  it('says why, as a value, when the server refuses to forward (AllowTcpForwarding no) or nothing listens', async () => {
    const { session } = await open(noForwarding);
    const refused = await session.forward('127.0.0.1', appPort);
    expect(refused).toMatchObject({
      ok: false,
      connectionLost: false,
      error: expect.stringMatching(/^web1 could not open a channel to 127\.0\.0\.1:\d+: .*Channel open failure/),
    });
    const failed = await check(session);
    expect(failed).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^ESSHFORWARD: no channel to 127\.0\.0\.1:\d+ through the server's SSH connection/),
    });
    // The session is fine: a refused channel is not a lost connection.
    expect(session.connected).toBe(true);

    const { session: other } = await open(sshd);
    const { port: closedPort, close } = await freePort();
    await close();
    expect(await other.forward('127.0.0.1', closedPort)).toMatchObject({ ok: false, connectionLost: false });
  });

  it('passes through the dry-run decorator, and the reconnecting wrapper reopens a lost connection first', async () => {
    const { session } = await open(sshd);
    expect(await check(dryRunSession(session, { report: () => undefined }))).toMatchObject({ ok: true });

    const proxy: TcpProxy = await startTcpProxy(sshd.port);
    cleanup.push(() => proxy.close());
    const knownHostsFile = join(sshd.dir, `known_hosts.${proxy.port}`);
    writeFileSync(knownHostsFile, `[127.0.0.1]:${proxy.port} ${sshd.hostPublicKey}\n`);
    const transport = transportFor(sshd, { knownHostsFile });
    const raw = await transport.connect({ ...targetOf(sshd), port: proxy.port });
    const wrapped = reconnectingSession(raw, { attempts: 2, delayMs: 10, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
    cleanup.push(async () => {
      await wrapped.close();
      await transport.close();
    });
    expect(await check(wrapped)).toMatchObject({ ok: true });
    proxy.cut();
    await waitFor('the cut connection to be seen', () => !raw.connected);
    expect(await check(wrapped)).toMatchObject({ ok: true });
    expect(proxy.accepted).toBe(2);
  });
});

async function freePort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
