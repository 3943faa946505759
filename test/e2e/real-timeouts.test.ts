// Issue 10's drain with the kernel's real TCP timeouts (TIME_WAIT 120 s) on the lab, under load
// of short requests through the VIP: the drain ends with the server's last live connection,
// not when IPVS forgets the closed ones two minutes later.
import { afterEach, describe, expect, it } from 'vitest';
import { eventsOf, failuresOf, startE2eLab, type E2eLab } from './harness.ts';

let env: E2eLab | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('draining with real TCP state timeouts', () => {
  it('each server is out of the pool for seconds though its TIME_WAIT entries would keep InActConn up for 120 s', async () => {
    env = await startE2eLab({ servers: 2, tcpTimeScale: 1, drain: { settle: '300ms', poll: '1s', timeout: '90s' } });
    const good = await env.artifact('v2');
    const load = env.startLoad({ concurrency: 3 });
    // Let closed connections pile up in TIME_WAIT on both servers first.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && env.lab.directors[0]?.state.table().services[0]?.dests.some((d) => d.inactiveConns < 20)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const result = await env.release(['--artifact', good, '--release-id', 'r2', '--batch', '1']);
    const traffic = await load.stop();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(failuresOf(traffic)).toEqual({});
    // At the quiesce, every server still had its closed connections counted in InActConn on the
    // MASTER (the only director that routes)...
    const quiesces = eventsOf(env, 'director-action').filter((a) => a.stage === 'intent' && a.action === 'quiesce');
    expect(quiesces.length).toBe(4);
    for (const q of quiesces.filter((x) => x.director === 'lvs1')) expect(q.connections, q.server).toBeGreaterThanOrEqual(20);
    // ...yet its drain ended within seconds, and so did its time out of the pool (the old wait: 120 s).
    const drained = eventsOf(env, 'server-drained');
    expect(drained.map((d) => d.server).sort()).toEqual(['web1', 'web2']);
    for (const d of drained) expect(d.drainMs, d.server).toBeLessThan(5_000);
    for (const r of eventsOf(env, 'server-restored')) expect(r.outOfPoolMs, r.server).toBeLessThan(5_000);
  });
});
