// Issue 11 on the lab in DR mode (real servers on 127.0.1.N, the VIP 127.0.0.100 on their lo,
// Route destinations), under load through the VIP: a --batch 2 release with every server's lo VIP
// and ARP checked, refusals at preflight (arp_ignore=0 on one server, split brain) that change
// nothing, and a deploy that loses a server's lo VIP: verify fails, it is rolled back, no request lost.
// One lab for the whole file; each scenario leaves it as it found it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { control } from '../lab/lab-support.ts';
import type { ReleaseEvent } from '../../src/events/types.ts';
import { failuresOf, journalEvents, startCheckedLab, trafficDiagnosis, writeClusterVariant, type E2eLab } from './harness.ts';

const SERVERS = 6;
let e: E2eLab;
let good = '';

beforeAll(async () => {
  e = await startCheckedLab({ servers: SERVERS, forward: 'dr', drain: { connections: 'server' } });
  good = await e.artifact('v2');
});
afterAll(async () => {
  await e?.close();
});

/** The journal's events of the last run only. */
function lastRun<T extends ReleaseEvent['type']>(type: T): Extract<ReleaseEvent, { type: T }>[] {
  const events = journalEvents(e);
  const started = events.findLastIndex((x) => x.type === 'run-started');
  return events.slice(started).filter((x): x is Extract<ReleaseEvent, { type: T }> => x.type === type);
}

const allAt100 = () => Object.values(e.weights()).every((w) => Object.values(w).every((x) => x === 100));

describe('DR release on the lab', () => {
  it("--batch 2 on 6 servers: exit 0, every server's VIP on lo and ARP checked at preflight, after verify and on the VIP path; no request lost", async () => {
    const load = e.startLoad({ concurrency: 4 });
    const result = await e.release(['--artifact', good, '--release-id', 'r2', '--batch', '2']);
    const traffic = await load.stop();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(Object.values(e.versions())).toEqual(Array(SERVERS).fill('v2'));
    expect(allAt100()).toBe(true);
    expect(failuresOf(traffic), trafficDiagnosis(e, traffic)).toEqual({});
    expect(traffic.ok).toBeGreaterThan(50);
    expect(e.maxOut()).toBe(2);
    const names = e.lab.servers.map((s) => s.name);
    const preflight = lastRun('preflight')[0];
    for (const name of names) {
      expect(preflight?.hosts?.find((h) => h.host === name)?.checked).toEqual(['VIP 127.0.0.100 on lo', 'arp_ignore=1 (eth0)', 'arp_announce=2 (eth0)']);
    }
    expect(preflight?.hosts?.find((h) => h.role === 'director')?.checked).toEqual(['VIP 127.0.0.100 held by lvs1']);
    const checks = lastRun('host-check');
    for (const stage of ['verify', 'vip-path'] as const) {
      expect(
        checks
          .filter((c) => c.stage === stage && c.ok)
          .map((c) => c.host)
          .sort(),
        stage,
      ).toEqual(names);
    }
    expect(checks.find((c) => c.stage === 'vip-path')?.checked[0]).toMatch(/^http:\/\/127\.0\.0\.100:\d+\/ from web\d$/);
  });

  it('arp_ignore=0 on web4: refused at preflight (exit 3) naming it and the fix; nothing drained', async () => {
    expect((await control(e.lab, '/sysctl', { host: 'web4', key: 'net.ipv4.conf.all.arp_ignore', value: 0 })).status).toBe(200);
    try {
      const outs = e.lab.timeline.points().length;
      const result = await e.release(['--artifact', good, '--release-id', 'r3', '--batch', '2']);
      expect(result.code, result.stdout + result.stderr).toBe(3);
      expect(result.stderr).toContain('PREFLIGHT_FAILED');
      expect(result.stderr).toContain('web4: arp_ignore is 0 on eth0');
      expect(result.stderr).toContain('on web4: sysctl -w net.ipv4.conf.all.arp_ignore=1');
      expect(
        e.lab.timeline
          .points()
          .slice(outs)
          .flatMap((p) => p.outServers),
      ).toEqual([]);
      expect(allAt100()).toBe(true);
    } finally {
      await control(e.lab, '/sysctl', { host: 'web4', key: 'net.ipv4.conf.all.arp_ignore', value: 1 });
    }
  });

  it('the VIP on both directors (split brain): refused with exit 3, naming both', async () => {
    expect((await control(e.lab, '/split-brain', { on: true })).status).toBe(200);
    try {
      const result = await e.release(['--artifact', good, '--release-id', 'r3', '--batch', '2']);
      expect(result.code, result.stdout + result.stderr).toBe(3);
      expect(result.stderr).toMatch(/the VIP 127\.0\.0\.100 is held by lvs1 \(eth0\) and lvs2 \(eth0\) at once \(split brain\)/);
      expect(allAt100()).toBe(true);
    } finally {
      await control(e.lab, '/split-brain', { on: false });
    }
  });

  it("a deploy step that drops web3's lo VIP: web3 fails verify and is rolled back (its rollback step restores the VIP); the others release; no request lost", async () => {
    const pipeline = parse(await readFile(join(e.lab.dir, 'pipeline.yaml'), 'utf8')) as { rollback: string; phases: Record<string, unknown[]> };
    const drop = { name: 'network restart (loses the lo VIP on web3)', run: '[ {{server.name}} != web3 ] || ip addr del 127.0.0.100/32 dev lo' };
    const restore = { name: 'bring the lo VIP back', run: '[ {{server.name}} != web3 ] || ip addr add 127.0.0.100/32 dev lo' };
    pipeline.rollback = 'failed';
    pipeline.phases.deploy = [...(pipeline.phases.deploy ?? []), drop];
    pipeline.phases.rollback = [...(pipeline.phases.rollback ?? []), restore];
    await writeFile(join(e.lab.dir, 'pipeline-vip.yaml'), stringify(pipeline));
    const config = await writeClusterVariant(e, 'release-vip.yaml', { pipeline: './pipeline-vip.yaml' });
    const v3 = await e.artifact('v3');
    const load = e.startLoad({ concurrency: 4 });
    const result = await e.cli(['-c', config, '--artifact', v3, '--release-id', 'r3', '--batch', '2']);
    const traffic = await load.stop();
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(failuresOf(traffic), trafficDiagnosis(e, traffic)).toEqual({});
    const finished = lastRun('server-finished').find((f) => f.server === 'web3');
    expect(finished).toMatchObject({ outcome: 'rolled-back', failedStep: 'verify: real-server network', releaseAfter: 'r2' });
    expect(finished?.error).toContain('web3: the VIP 127.0.0.100 of TCP 127.0.0.100');
    // web3's batch-mate finishes; no new batch starts after a failure (rollback: failed keeps batch 1 on v3).
    expect(e.versions()).toEqual({ web1: 'v3', web2: 'v3', web3: 'v2', web4: 'v3', web5: 'v2', web6: 'v2' });
    expect(e.lab.net.serverHoldsVip('web3')).toBe(true);
    expect(allAt100()).toBe(true);
    expect(
      lastRun('host-check')
        .filter((c) => c.host === 'web3')
        .map((c) => `${c.stage} ${c.ok}`),
    ).toEqual(['verify false', 'rollback true', 'vip-path true']);
    expect(e.maxOut()).toBe(2);
  });
});
