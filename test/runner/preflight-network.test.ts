// Issue 11 in the engine, on the in-memory cluster: the DR real servers', directors' and keepalived
// checks refuse a run at preflight (exit 3) before anything changes; the same network checks run
// after verify (a lost lo VIP → rollback) and the VIP path after the restore (out again, rolled
// back); a keepalived hard cut is counted; Tunnel dests keep their tunnel settings.
import { describe, expect, it } from 'vitest';
import { isReleaseError, type ReleaseError } from '../../src/core/errors.ts';
import { releaseServer } from '../../src/runner/flow.ts';
import { preflightEvent } from '../../src/runner/context.ts';
import { createFakeCluster, VIP, type FakeCluster, type FakeServerSpec } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { confText } from '../doctor/builders.ts';
import { ipAddrText } from '../hosts/fake-host.ts';
import { aHarness, aPipeline } from './builders.ts';

const SERVERS: FakeServerSpec[] = [
  { name: 'web1', address: '10.0.1.11', forward: 'Route', connections: [2, 0] },
  { name: 'web2', address: '10.0.1.12', forward: 'Route' },
  { name: 'web3', address: '10.0.1.13', forward: 'Route' },
];

interface NetState {
  /** Servers whose lo holds the VIP (default all). */
  vipOnLo: Set<string>;
  /** all.arp_ignore / all.arp_announce per server (default 1/2). */
  arp: Record<string, [number, number]>;
  /** Directors holding the VIP on eth0. */
  holders: Set<string>;
  /** Servers whose app refuses curl to the VIP. */
  curl: Record<string, 'refused'>;
}

/** A DR farm's network on the fake cluster, answered by rules from a mutable state. */
function drCluster(
  options: { servers?: FakeServerSpec[]; keepalived?: { delayMs?: number; inhibit?: boolean }; conf?: Record<string, string>; sudo?: boolean } = {},
) {
  const servers = options.servers ?? SERVERS;
  const fc = createFakeCluster({
    clock: fakeClock(),
    servers,
    ...(options.keepalived ? { keepalived: options.keepalived } : {}),
    ...(options.sudo ? { sudo: true } : {}),
  });
  const net: NetState = { vipOnLo: new Set(servers.map((s) => s.name)), arp: {}, holders: new Set(['lvs1']), curl: {} };
  for (const s of servers) {
    fc.on(s.name, (l) => l === 'ip -o addr show' && net.vipOnLo.has(s.name), { stdout: ipAddrText({ eth0: s.address, loVip: '10.0.0.100' }) });
    fc.on(s.name, (l) => l === 'ip -o addr show' && !net.vipOnLo.has(s.name), { stdout: ipAddrText({ eth0: s.address }) });
    for (const [i, a] of [
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 2],
      [3, 2],
    ] as const) {
      fc.on(s.name, (l) => l.startsWith('cat /proc/sys/net/ipv4/conf/all/arp_ignore') && (net.arp[s.name] ?? [1, 2]).join() === `${i},${a}`, {
        stdout: `${i}\n${a}\n0\n0\n`,
      });
    }
    fc.on(s.name, (l) => l.startsWith('curl ') && net.curl[s.name] === undefined, { stdout: '200' });
    fc.on(s.name, (l) => l.startsWith('curl ') && net.curl[s.name] !== undefined, {
      stdout: '000',
      stderr: "curl: (7) Failed to connect to 10.0.0.100 port 80 after 0 ms: Couldn't connect to server\n",
      exitCode: 7,
    });
  }
  for (const d of ['lvs1', 'lvs2']) {
    const eth0 = d === 'lvs1' ? '10.0.0.11' : '10.0.0.12';
    fc.on(d, (l) => l === 'ip -o addr show' && net.holders.has(d), { stdout: ipAddrText({ eth0, eth0Vip: '10.0.0.100' }) });
    fc.on(d, (l) => l === 'ip -o addr show' && !net.holders.has(d), { stdout: ipAddrText({ eth0 }) });
    fc.on(d, /^cat \/proc\/sys\/net\/ipv4\/ip_forward \/proc\/sys\/net\/ipv4\/vs\/expire_quiescent_template$/, { stdout: '0\n0\n' });
    const conf = options.conf?.[d];
    if (conf !== undefined) fc.on(d, /cat \/etc\/keepalived\/keepalived\.conf$/, { stdout: conf });
  }
  return { fc, net };
}

async function refusal(fc: FakeCluster, pipeline = aPipeline()): Promise<ReleaseError> {
  try {
    await aHarness(fc, { pipeline });
  } catch (error) {
    if (isReleaseError(error)) return error;
    throw error;
  }
  throw new Error('the run was not refused');
}

const serverDrains = (fc: FakeCluster) => fc.events('server-draining').map((e) => `${e.server} ${e.purpose}`);

describe('preflight: DR real servers and directors', () => {
  it("a healthy DR farm passes, every server's VIP on lo and ARP checked (in the preflight event)", async () => {
    const { fc } = drCluster();
    const h = await aHarness(fc);
    const event = preflightEvent(h.preflight);
    expect(event.type === 'preflight' && event.hosts?.map((x) => [x.host, x.checked])).toEqual([
      ['web1', ['VIP 10.0.0.100 on lo', 'arp_ignore=1 (eth0)', 'arp_announce=2 (eth0)']],
      ['web2', ['VIP 10.0.0.100 on lo', 'arp_ignore=1 (eth0)', 'arp_announce=2 (eth0)']],
      ['web3', ['VIP 10.0.0.100 on lo', 'arp_ignore=1 (eth0)', 'arp_announce=2 (eth0)']],
      ['lvs1', ['VIP 10.0.0.100 held by lvs1']],
    ]);
    expect(h.preflight.refusals).toEqual([]);
    // Reads only, as the SSH user: no sudo for ip, cat /proc, curl.
    expect(
      fc
        .execs()
        .filter((e) => e.argv?.[0] === 'ip' || e.line.startsWith('cat /proc'))
        .every((e) => !e.sudo && !e.mutates),
    ).toBe(true);
  });

  it('arp_ignore=0 on web2 refuses the run (exit 3) naming it, the values and the sysctl fix; nothing drained', async () => {
    const { fc, net } = drCluster();
    net.arp.web2 = [0, 2];
    const error = await refusal(fc);
    expect(error.code).toBe('PREFLIGHT_FAILED');
    expect(error.exitStatus).toBe(3);
    expect(error.message).toContain('web2: arp_ignore is 0 on eth0 (max of net.ipv4.conf.all.arp_ignore=0 and net.ipv4.conf.eth0.arp_ignore=0');
    expect(error.hint).toContain('on web2: sysctl -w net.ipv4.conf.all.arp_ignore=1');
    expect(fc.ipvsWrites()).toEqual([]);
    expect(fc.lockOn('lvs1')).toBeUndefined();
  });

  it('a server without the lo VIP, the VIP on both directors, or on none: refused with the fix', async () => {
    const a = drCluster();
    a.net.vipOnLo.delete('web3');
    expect((await refusal(a.fc)).hint).toContain('on web3: ip addr add 10.0.0.100/32 dev lo');
    const b = drCluster();
    b.net.holders.add('lvs2');
    expect((await refusal(b.fc)).message).toContain('the VIP 10.0.0.100 is held by lvs1 (eth0) and lvs2 (eth0) at once (split brain)');
    const c = drCluster();
    c.net.holders.clear();
    expect((await refusal(c.fc)).message).toContain('no director holds the VIP 10.0.0.100');
  });

  it('NAT: a director with ip_forward=0 is refused; directors that cannot be read are warned about, never passed', async () => {
    const { fc } = drCluster({ servers: SERVERS.map((s) => ({ ...s, forward: 'Masq' })) });
    const error = await refusal(fc);
    expect(error.message).toContain('lvs1: net.ipv4.ip_forward is 0');
    expect(error.hint).toContain('sysctl -w net.ipv4.ip_forward=1');
    // The plain fake cluster answers no network read at all: skipped with warnings, not refused.
    const plain = createFakeCluster({ clock: fakeClock(), servers: SERVERS });
    const h = await aHarness(plain);
    expect(h.preflight.refusals).toEqual([]);
    expect(h.preflight.warnings.filter((w) => w.code === 'HOST_CHECK_SKIPPED').map((w) => w.server ?? w.director)).toEqual([
      'web1',
      'web2',
      'web3',
      'lvs1',
      'lvs2',
    ]);
  });
});

describe('preflight: keepalived.conf', () => {
  const HEALTH = '/srv/www/app/shared/health/ready.html';
  const withHealth = SERVERS.map((s) => ({ ...s, healthFile: HEALTH }));
  const healthfile = aPipeline({ drain: { method: 'healthfile' } });

  it('inhibit_on_failure on both directors: a healthfile release may start', async () => {
    const { fc } = drCluster({ servers: withHealth, conf: { lvs1: confText(), lvs2: confText({ routerId: 'lvs2' }) } });
    const h = await aHarness(fc, { pipeline: healthfile });
    expect(h.preflight.refusals).toEqual([]);
    expect(h.preflight.network.keepalived.map((k) => [k.director, k.kind, k.path])).toEqual([
      ['lvs1', 'read', '/etc/keepalived/keepalived.conf'],
      ['lvs2', 'read', '/etc/keepalived/keepalived.conf'],
    ]);
  });

  it('missing on one director: refused naming the director, the file and the line; with sudo the probe is `sudo -n cat`', async () => {
    const { fc } = drCluster({ servers: withHealth, sudo: true, conf: { lvs1: confText(), lvs2: confText({ routerId: 'lvs2', inhibit: false }) } });
    const error = await refusal(fc, healthfile);
    expect(error.message).toMatch(
      /keepalived\.conf \(\/etc\/keepalived\/keepalived\.conf\) on lvs2: real servers of TCP 10\.0\.0\.100:80 lack inhibit_on_failure \(web1 \(line 8\).*\[\/etc\/keepalived\/keepalived\.conf:8\]/,
    );
    expect(error.hint).toContain('drain.allowHardCut: true');
    expect(fc.execs('lvs2').find((e) => e.line.endsWith('keepalived.conf'))?.line).toBe('sudo -n cat /etc/keepalived/keepalived.conf');
  });
});

describe('in the flow', () => {
  it('a deploy that loses the lo VIP fails verify, is rolled back (the rollback restores it), and goes back only then', async () => {
    const { fc, net } = drCluster();
    // The deploy's switch drops the VIP on web1; the rollback's switch brings it back.
    const sideEffect = (prefix: string, effect: () => void) => (line: string) => {
      if (line.startsWith(prefix)) effect();
      return false;
    };
    fc.on(
      'web1',
      sideEffect('ln -sfn releases/r2', () => net.vipOnLo.delete('web1')),
      {},
    );
    fc.on(
      'web1',
      sideEffect('ln -sfn releases/r1', () => net.vipOnLo.add('web1')),
      {},
    );
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ outcome: 'rolled-back', failedStep: 'verify: real-server network', releaseAfter: 'r1' });
    expect(result.error).toContain('web1: the VIP 10.0.0.100 of TCP 10.0.0.100:80 is not on lo');
    const checks = fc.events('host-check').map((e) => `${e.stage} ${e.ok}`);
    expect(checks).toEqual(['verify false', 'rollback true', 'vip-path true']);
    for (const d of ['lvs1', 'lvs2']) expect(fc.weight('web1', d)).toBe(100);
    // Restored only after the rollback's checks passed.
    const restored = fc.events('server-restored')[0];
    const rollbackCheck = fc.events('host-check').find((e) => e.stage === 'rollback');
    expect(restored && rollbackCheck && rollbackCheck.seq < restored.seq).toBe(true);
  });

  it('the VIP path failing after the restore: taken out again and rolled back; failing again after the rollback: left out and named', async () => {
    const { fc, net } = drCluster();
    net.curl.web1 = 'refused';
    fc.on(
      'web1',
      (line) => {
        if (line.startsWith('ln -sfn releases/r1')) delete net.curl.web1;
        return false;
      },
      {},
    );
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result).toMatchObject({ outcome: 'rolled-back', failedStep: 'VIP path', releaseAfter: 'r1' });
    expect(serverDrains(fc)).toEqual(['web1 release', 'web1 rollback']);
    expect(fc.events('marked-bad').map((e) => e.release)).toEqual(['r2']);
    for (const d of ['lvs1', 'lvs2']) expect(fc.weight('web1', d)).toBe(100);

    const stuck = drCluster();
    stuck.net.curl.web1 = 'refused';
    const h2 = await aHarness(stuck.fc);
    const r2 = await releaseServer(h2.server('web1'), h2.flow);
    expect(r2).toMatchObject({ outcome: 'rollback-failed', failedStep: 'VIP path after rollback' });
    expect(r2.error).toContain('curl exit 7: curl: (7) Failed to connect');
    for (const d of ['lvs1', 'lvs2']) expect(stuck.fc.weight('web1', d)).toBe(0);
  });

  it('healthfile with drain.allowHardCut: keepalived deletes the dest, the live connections at that moment are counted and reported', async () => {
    const HEALTH = '/srv/app/health.html';
    const servers = SERVERS.map((s) => ({ ...s, healthFile: HEALTH, ...(s.name === 'web1' ? { connections: [3, 3, 3, 0] } : {}) }));
    const { fc } = drCluster({
      servers,
      keepalived: { inhibit: false },
      conf: { lvs1: confText({ inhibit: false, path: HEALTH }), lvs2: confText({ inhibit: false, path: HEALTH, routerId: 'lvs2' }) },
    });
    const pipeline = aPipeline({ drain: { method: 'healthfile', allowHardCut: true } });
    const h = await aHarness(fc, { pipeline });
    expect(h.preflight.warnings.filter((w) => w.code === 'HARD_CUT').map((w) => w.director)).toEqual(['lvs1', 'lvs2']);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result.outcome).toBe('released');
    const cut = fc.events('warning').filter((w) => w.code === 'HARD_CUT' && w.server === 'web1');
    expect(cut.map((w) => w.director)).toEqual(['lvs1', 'lvs2']);
    // The fake's connections live on the first director (the MASTER): 3 cut there, 0 on the BACKUP.
    expect(cut[0]?.message).toContain('3 live connection(s) cut');
    expect(fc.events('server-drained')[0]).toMatchObject({ server: 'web1', hardCut: 3, timedOut: false });
  });
});

describe('Tunnel destinations and persistence', () => {
  it('an edit of a GUE Tunnel dest re-sends its type, port and checksum, read with --tun-info', async () => {
    const { fc } = drCluster();
    for (const d of ['lvs1', 'lvs2']) {
      expect(
        fc.ipvsadm(d, ['-e', '-t', '10.0.0.100:80', '-r', '10.0.1.11:80', '-i', '--tun-type', 'gue', '--tun-port', '6080', '--tun-remcsum', '-w', '100'])
          .exitCode,
      ).toBe(0);
    }
    const h = await aHarness(fc);
    expect(h.preflight.network.needs.servers.find((s) => s.name === 'web1')?.vips[0]?.forward).toBe('Tunnel');
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result.outcome).toBe('released');
    const edits = fc.ipvsWrites('lvs1').filter((w) => w.argv.includes('10.0.1.11:80'));
    expect(edits.map((w) => w.argv.slice(1).join(' '))).toEqual([
      '-e -t 10.0.0.100:80 -r 10.0.1.11:80 -i --tun-type gue --tun-port 6080 --tun-remcsum -w 0 -x 0 -y 0',
      '-d -t 10.0.0.100:80 -r 10.0.1.11:80',
      '-a -t 10.0.0.100:80 -r 10.0.1.11:80 -i --tun-type gue --tun-port 6080 --tun-remcsum -w 100 -x 0 -y 0',
    ]);
    expect(fc.execs('lvs1').some((e) => e.line === 'ipvsadm -L -n --tun-info')).toBe(true);
    expect(
      fc
        .state('lvs1')
        .services()[0]
        ?.dests.find((d) => d.address === '10.0.1.11'),
    ).toMatchObject({ forward: 'Tunnel', tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'remcsum' });
  });

  it('a persistent service: expire_quiescent_template is read and named; waitForPersistence also waits for the templates', async () => {
    const { fc } = drCluster();
    for (const d of ['lvs1', 'lvs2']) expect(fc.ipvsadm(d, ['-E', '-t', '10.0.0.100:80', '-s', 'wlc', '-p', '300']).exitCode).toBe(0);
    const pipeline = aPipeline({ drain: { waitForPersistence: true } });
    const h = await aHarness(fc, { pipeline });
    const warning = h.preflight.warnings.find((w) => w.code === 'PERSISTENCE');
    expect(warning?.message).toContain('net.ipv4.vs.expire_quiescent_template is 0 on lvs1, 0 on lvs2');
    expect(warning?.message).toContain('until 300s after its last connection');
    expect(warning?.message).toContain('the drain also waits for their templates (drain.waitForPersistence)');
    // Templates counted apart: 2 for the first counts, then gone.
    const persist = [2, 2, 1, 0];
    h.flow.lb.connections = { count: async () => ({ ok: true, count: 0, persist: persist.shift() ?? 0 }) };
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result.outcome).toBe('released');
    const progress = fc.events('connections').filter((e) => e.server === 'web1');
    expect(progress.slice(0, 4).map((e) => [e.count, e.persist])).toEqual([
      [0, 2],
      [0, 2],
      [0, 1],
      [0, 0],
    ]);
    // Quiet (settling) only once the templates are gone: the wait counted them.
    expect(progress.filter((e) => e.settledMs > 0).every((e) => e.persist === 0)).toBe(true);
    expect(fc.events('server-drained')[0]).toMatchObject({ connections: 0, timedOut: false });
  });
});

describe('the default fake (nothing answers the network reads)', () => {
  it('still releases a Route server: the checks are skipped and say so', async () => {
    const fc = createFakeCluster({ clock: fakeClock(), services: [VIP], servers: SERVERS });
    const h = await aHarness(fc);
    const result = await releaseServer(h.server('web1'), h.flow);
    expect(result.outcome).toBe('released');
    expect(fc.events('host-check').map((e) => [e.stage, e.ok, e.skipped?.length ?? 0])).toEqual([
      ['verify', true, 1],
      ['vip-path', true, 1],
    ]);
  });
});
