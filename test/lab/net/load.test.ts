import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { IpvsTable } from '../../../src/ipvs/model.ts';
import { createConnTable } from '../../../src/lab/net/conn-table.ts';
import { holdConnections } from '../../../src/lab/net/hold.ts';
import { runLoad } from '../../../src/lab/net/load.ts';
import { startVip } from '../../../src/lab/net/vip.ts';
import { aDest, aService, aTable, listen, startHttpApp, waitFor } from './helpers.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const base = { durationMs: 2000, concurrency: 2, keepAlive: false, requestTimeoutMs: 1000 };

async function closedPort(): Promise<number> {
  const s = await listen(createServer());
  await new Promise((r) => s.close(r));
  return s.port;
}

async function aVipOver(apps: Array<{ port: number }>) {
  const conns = createConnTable({ timeScale: 0.01 });
  let table: IpvsTable | undefined;
  const vip = await startVip({ table: () => table, conns });
  table = aTable([
    aService(
      vip.port,
      apps.map((a) => aDest(a.port)),
    ),
  ]);
  cleanups.push(async () => {
    await vip.close();
    conns.close();
  });
  return { vip, conns, service: () => table!.services[0]! };
}

describe('runLoad', () => {
  it('counts connect errors against a closed port', async () => {
    const port = await closedPort();
    const r = await runLoad({ ...base, url: `http://127.0.0.1:${port}/`, maxRequests: 10 });
    expect(r.requests).toBe(10);
    expect(r.failures).toMatchObject({ connect: 10, reset: 0, timeout: 0, non2xx: 0 });
    expect(r.errorSamples[0]).toMatch(/ECONNREFUSED/);
  });

  it('counts non-2xx answers', async () => {
    const app = await startHttpApp('web1', { status: 500 });
    cleanups.push(app.close);
    const r = await runLoad({ ...base, url: `http://127.0.0.1:${app.port}/`, maxRequests: 6 });
    expect(r).toMatchObject({ requests: 6, ok: 0, failures: { non2xx: 6, connect: 0 } });
  });

  it('counts resets and timeouts', async () => {
    const rude = await listen(createServer((s) => s.once('data', () => s.resetAndDestroy())));
    const silent = await listen(createHttpServer(() => undefined));
    cleanups.push(() => new Promise((r) => rude.close(r)));
    cleanups.push(() => {
      silent.closeAllConnections();
      return new Promise((r) => silent.close(r));
    });
    const reset = await runLoad({ ...base, url: `http://127.0.0.1:${rude.port}/`, maxRequests: 4 });
    expect(reset.failures).toMatchObject({ reset: 4, connect: 0 });
    const slow = await runLoad({ ...base, url: `http://127.0.0.1:${silent.port}/`, maxRequests: 2, requestTimeoutMs: 100 });
    expect(slow.failures).toMatchObject({ timeout: 2, reset: 0 });
  });

  it('reports versions and hosts through the VIP, with and without keep-alive, bounded in time', async () => {
    const a = await startHttpApp('web1', { version: 'r1' });
    const b = await startHttpApp('web2', { version: 'r2' });
    cleanups.push(a.close, b.close);
    const { vip, conns } = await aVipOver([a, b]);
    const fresh = await runLoad({ ...base, url: vip.url, durationMs: 300, concurrency: 4 });
    expect(fresh.requests).toBeGreaterThan(10);
    expect(fresh.ok).toBe(fresh.requests);
    expect(Object.keys(fresh.byVersion).sort()).toEqual(['r1', 'r2']);
    expect(fresh.byHost.web1! + fresh.byHost.web2!).toBe(fresh.requests);
    expect(fresh.durationMs).toBeLessThan(1500);
    expect(fresh.latency.p99).toBeGreaterThanOrEqual(fresh.latency.p50);
    expect(conns.traffic.statsFor({ family: 'inet', address: '127.0.0.1', port: vip.port }).conns).toBe(BigInt(fresh.requests));
    const before = vip.counters().accepted;
    const kept = await runLoad({ ...base, url: vip.url, maxRequests: 20, concurrency: 2, keepAlive: true });
    expect(kept.ok).toBe(20);
    expect(vip.counters().accepted - before).toBe(2); // one connection per worker
  });

  it('paces to rps and spreads over client addresses (persistence sees distinct clients)', async () => {
    const a = await startHttpApp('web1');
    const b = await startHttpApp('web2');
    cleanups.push(a.close, b.close);
    const { vip, conns, service } = await aVipOver([a, b]);
    service().persistent = 300;
    const r = await runLoad({ ...base, url: vip.url, durationMs: 500, rps: 40, clients: 4 });
    expect(r.requests).toBeGreaterThanOrEqual(10);
    expect(r.requests).toBeLessThanOrEqual(21);
    expect(r.clients).toBe(4);
    const templates = conns
      .entries()
      .filter((e) => e.template)
      .map((e) => e.client.address)
      .sort();
    expect(templates).toEqual(['127.0.2.1', '127.0.2.2', '127.0.2.3', '127.0.2.4']);
  });

  it('stops when the signal aborts', async () => {
    const a = await startHttpApp('web1');
    cleanups.push(a.close);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const r = await runLoad({ ...base, url: `http://127.0.0.1:${a.port}/`, durationMs: 30_000, signal: controller.signal });
    expect(r.durationMs).toBeLessThan(2000);
  });
});

describe('holdConnections', () => {
  it('holds idle connections open through the VIP (ActiveConn) until closed', async () => {
    const a = await startHttpApp('web1');
    cleanups.push(a.close);
    const { vip, conns } = await aVipOver([a]);
    const held = await holdConnections({ url: vip.url, count: 5 });
    const dest = { family: 'inet' as const, address: '127.0.0.1', port: a.port };
    await waitFor(() => conns.countsFor(dest).active === 5, 'five ESTABLISHED entries');
    expect(held.opened).toBe(5);
    expect(held.open()).toBe(5);
    await held.close();
    await waitFor(() => conns.countsFor(dest).active === 0, 'the entries to leave ESTABLISHED');
    expect(held.closedByPeer()).toBe(0);
  });

  it('keeps slow requests in flight in request mode', async () => {
    const slow = await listen(
      createHttpServer((req, res) => {
        const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0);
        setTimeout(() => res.end('done'), ms);
      }),
    );
    cleanups.push(() => {
      slow.closeAllConnections();
      return new Promise((r) => slow.close(r));
    });
    const held = await holdConnections({ url: `http://127.0.0.1:${slow.port}/`, count: 3, mode: 'request', path: '/slow?ms=150' });
    expect(held.open()).toBe(3);
    await waitFor(() => held.responses()[200] === 3, 'the slow responses');
    await waitFor(() => held.open() === 0, 'the connections to close');
  });

  it('counts connections it could not open', async () => {
    const held = await holdConnections({ url: `http://127.0.0.1:${await closedPort()}/`, count: 2 });
    expect(held).toMatchObject({ opened: 0, failedToOpen: 2 });
  });
});
