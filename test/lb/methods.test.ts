import { describe, expect, it } from 'vitest';
import { DRIVERS, healthFileAside } from '../../src/lb/methods.ts';
import { waitForDrain } from '../../src/lb/wait-drained.ts';
import { createFakeCluster, type FakeClusterSpec, type FakeServerSpec } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { anLbContext, anLbServer, savedSlots } from './builders.ts';

const HEALTH = '/srv/app/shared/health/ready.html';
const WEB1: FakeServerSpec = {
  name: 'web1',
  address: '10.0.1.11',
  port: 8080,
  thresholds: { upper: 50, lower: 10 },
  connections: [3, 2, 0, 0],
  healthFile: HEALTH,
};
const WEB2: FakeServerSpec = { name: 'web2', address: '10.0.1.12', port: 8080, connections: [1] };

async function setup(extra: Partial<FakeClusterSpec> = {}) {
  const fc = createFakeCluster({ clock: fakeClock(), servers: [WEB1, WEB2], ...extra });
  const ctx = anLbContext(fc);
  return { fc, ctx, server: anLbServer(fc, 'web1'), saved: await savedSlots(fc, 'web1') };
}

const weightArg = (argv: string[]) => (argv.includes('-w') ? argv[argv.indexOf('-w') + 1] : '');
const flags = (argv: string[]) => argv.filter((a) => /^-[a-z]$/.test(a) && !['-t', '-r'].includes(a));

describe('the ipvsadm driver', () => {
  it('quiesces on every director, waits for zero connections, then deletes on every director', async () => {
    const { fc, ctx, server, saved } = await setup();
    const driver = DRIVERS.ipvsadm;
    await driver.drain(server, saved, ctx);
    const wait = await waitForDrain({
      count: (signal) => ctx.connections.count(server, saved, signal),
      threshold: 0,
      settleMs: 1000,
      timeoutMs: 60_000,
      pollMs: 1000,
      clock: fc.clock,
      signal: ctx.signal,
    });
    expect(wait).toMatchObject({ kind: 'drained', first: { count: 3 }, last: { count: 0 } });
    await driver.finishDrain(server, saved, ctx);
    const writes = fc.ipvsWrites();
    expect(writes.map((w) => `${w.host} ${w.argv[1]} ${weightArg(w.argv)}`)).toEqual(['lvs1 -e 0', 'lvs2 -e 0', 'lvs1 -d ', 'lvs2 -d ']);
    // NOTE the invariant: no -d while the server still had connections.
    for (const w of writes.filter((x) => x.argv[1] === '-d')) expect(w.counts['web1']).toBe(0);
    expect(fc.weight('web1', 'lvs1')).toBeNull();
    expect(fc.weight('web1', 'lvs2')).toBeNull();
    expect(fc.weight('web2', 'lvs1')).toBe(100);
  });

  it('counts ActiveConn from the directors (NAT: InActConn too)', async () => {
    const { fc, ctx, server, saved } = await setup();
    const before = fc.execs('lvs1').length;
    expect(await ctx.connections.count(server, saved, ctx.signal)).toEqual({ ok: true, count: 3, persist: 0 });
    // Counted from the connection table (reduced on the director), one read per director.
    expect(
      fc
        .execs('lvs1')
        .slice(before)
        .map((e) => e.line),
    ).toEqual(['ipvsadm -L -n -c']);
  });

  it('counts with ss on the server when told to', async () => {
    const { fc, server, saved } = await setup();
    const ctx = anLbContext(fc, { connectionSource: 'server' });
    expect(await ctx.connections.count(server, saved, ctx.signal)).toEqual({ ok: true, count: 3, persist: 0 });
    expect(fc.execs('web1').map((e) => e.argv)).toEqual([['ss', '-Htn', 'state', 'established', '( sport = :8080 )']]);
  });

  it('restores by re-adding with the saved method, weight and thresholds on every director', async () => {
    const { fc, ctx, server, saved } = await setup();
    await DRIVERS.ipvsadm.drain(server, saved, ctx);
    await DRIVERS.ipvsadm.finishDrain(server, saved, ctx);
    const before = fc.ipvsWrites().length;
    await DRIVERS.ipvsadm.restore(server, saved, ctx);
    const add = ['ipvsadm', '-a', '-t', '10.0.0.100:80', '-r', '10.0.1.11:8080', '-m', '-w', '100', '-x', '50', '-y', '10'];
    expect(
      fc
        .ipvsWrites()
        .slice(before)
        .map((w) => [w.host, w.argv]),
    ).toEqual([
      ['lvs1', add],
      ['lvs2', add],
    ]);
    for (const d of ['lvs1', 'lvs2']) {
      expect(
        fc
          .state(d)
          .services()[0]
          ?.dests.find((x) => x.address === '10.0.1.11'),
      ).toMatchObject({ forward: 'Masq', weight: 100, upperThreshold: 50, lowerThreshold: 10 });
    }
  });

  it('restores a server that was only quiesced (timeout before the delete) with -e, not -a', async () => {
    const { fc, ctx, server, saved } = await setup();
    await DRIVERS.ipvsadm.drain(server, saved, ctx);
    await DRIVERS.ipvsadm.restore(server, saved, ctx);
    expect(
      fc
        .ipvsWrites()
        .slice(2)
        .map((w) => flags(w.argv)),
    ).toEqual([
      ['-e', '-m', '-w', '-x', '-y'],
      ['-e', '-m', '-w', '-x', '-y'],
    ]);
    expect(fc.weight('web1', 'lvs2')).toBe(100);
  });

  it('ramps the weight back in steps, each confirmed on every director before the next', async () => {
    const { fc, server, saved } = await setup();
    const ctx = anLbContext(fc, { ramp: { steps: [0.1, 0.5, 1], intervalMs: 10_000 } });
    await DRIVERS.ipvsadm.drain(server, saved, ctx);
    await DRIVERS.ipvsadm.finishDrain(server, saved, ctx);
    const before = fc.ipvsWrites().length;
    const start = fc.clock.now().getTime();
    await DRIVERS.ipvsadm.restore(server, saved, ctx);
    const writes = fc.ipvsWrites().slice(before);
    expect(writes.map((w) => `${w.host} ${w.argv[1]} -w ${w.argv[w.argv.indexOf('-w') + 1]}`)).toEqual([
      'lvs1 -a -w 10',
      'lvs2 -a -w 10',
      'lvs1 -e -w 50',
      'lvs2 -e -w 50',
      'lvs1 -e -w 100',
      'lvs2 -e -w 100',
    ]);
    // The 50% step is sent only after both tables showed 10%, and one interval later.
    const lvs2At10 = fc.changes().find((c) => c.director === 'lvs2' && c.change.type === 'dest-added');
    expect(lvs2At10 && writes[2] && lvs2At10.seq < writes[2].seq).toBe(true);
    expect((writes[2]?.at ?? 0) - (writes[1]?.at ?? 0)).toBeGreaterThanOrEqual(10_000);
    expect((writes[4]?.at ?? 0) - (writes[3]?.at ?? 0)).toBeGreaterThanOrEqual(10_000);
    expect(fc.clock.now().getTime() - start).toBe(20_000);
    expect(fc.weight('web1', 'lvs1')).toBe(100);
  });
});

describe('the quiesce driver', () => {
  it('sets weight 0 on every director, never deletes, and restores the original weight with -e', async () => {
    const { fc, ctx, server, saved } = await setup();
    const driver = DRIVERS.quiesce;
    await driver.drain(server, saved, ctx);
    expect(fc.weight('web1', 'lvs1')).toBe(0);
    expect(fc.weight('web1', 'lvs2')).toBe(0);
    await driver.finishDrain(server, saved, ctx);
    await driver.restore(server, saved, ctx);
    const writes = fc.ipvsWrites();
    expect(writes.some((w) => w.argv.includes('-d'))).toBe(false);
    expect(writes.map((w) => `${w.host} ${w.argv[1]} -w ${w.argv[w.argv.indexOf('-w') + 1]}`)).toEqual([
      'lvs1 -e -w 0',
      'lvs2 -e -w 0',
      'lvs1 -e -w 100',
      'lvs2 -e -w 100',
    ]);
    expect(fc.weight('web1', 'lvs2')).toBe(100);
  });
});

describe('the healthfile driver', () => {
  const keepalived = { delayMs: { lvs1: 0, lvs2: 5000 } };

  it('moves the file aside, then waits until every director shows weight 0', async () => {
    const { fc, ctx, server, saved } = await setup({ keepalived });
    const start = fc.clock.now().getTime();
    await DRIVERS.healthfile.drain(server, saved, ctx);
    expect(fc.server('web1').files).toEqual(new Set([healthFileAside(HEALTH)]));
    expect(fc.weight('web1', 'lvs1')).toBe(0);
    expect(fc.weight('web1', 'lvs2')).toBe(0);
    expect(fc.clock.now().getTime() - start).toBeGreaterThanOrEqual(5000);
    // keepalived did the table work; the engine sent no ipvsadm write.
    expect(fc.ipvsWrites()).toEqual([]);
    expect(fc.changes().every((c) => c.by === 'keepalived')).toBe(true);
  });

  it('accepts a director that deleted the server (keepalived without inhibit_on_failure)', async () => {
    const { fc, ctx, server, saved } = await setup({ keepalived: { ...keepalived, inhibit: false } });
    await DRIVERS.healthfile.drain(server, saved, ctx);
    expect(fc.weight('web1', 'lvs1')).toBeNull();
    expect(fc.weight('web1', 'lvs2')).toBeNull();
  });

  it('moves the file back, then waits until every director shows the original weight', async () => {
    const { fc, ctx, server, saved } = await setup({ keepalived });
    await DRIVERS.healthfile.drain(server, saved, ctx);
    const start = fc.clock.now().getTime();
    await DRIVERS.healthfile.restore(server, saved, ctx);
    expect(fc.server('web1').files).toEqual(new Set([HEALTH]));
    expect(fc.weight('web1', 'lvs1')).toBe(100);
    expect(fc.weight('web1', 'lvs2')).toBe(100);
    expect(fc.clock.now().getTime() - start).toBeGreaterThanOrEqual(5000);
    const moves = fc
      .execs('web1')
      .filter((e) => e.mutates)
      .map((e) => e.label);
    expect(moves).toEqual(['healthfile-down', 'healthfile-up']);
  });

  it('is idempotent: a repeated move after the file already moved succeeds', async () => {
    const { fc, ctx, server, saved } = await setup({ keepalived });
    await DRIVERS.healthfile.drain(server, saved, ctx);
    await expect(DRIVERS.healthfile.drain(server, saved, ctx)).resolves.toEqual({ ok: true });
    expect(fc.server('web1').files).toEqual(new Set([healthFileAside(HEALTH)]));
  });

  it('fails, naming the director, when keepalived never takes the server out', async () => {
    const { fc, server, saved } = await setup();
    const ctx = anLbContext(fc, { confirmTimeoutMs: 20_000 });
    const step = await DRIVERS.healthfile.drain(server, saved, ctx);
    expect(step).toEqual({
      ok: false,
      error:
        'web1: the directors did not show it out of the pool after its health file was removed within 20s (lvs1 TCP 10.0.0.100:80 10.0.1.11:8080: weight 100, wanted weight 0 or absent; lvs2 TCP 10.0.0.100:80 10.0.1.11:8080: weight 100, wanted weight 0 or absent); check that keepalived checks app.healthFile on every director, and raise drain.timeout above its delay_loop + retry × delay_before_retry',
    });
  });

  it('fails, naming app.healthFile, when the server has no health file configured', async () => {
    const { fc, ctx, saved } = await setup({ keepalived });
    const server = { ...anLbServer(fc, 'web2') };
    const step = await DRIVERS.healthfile.drain(server, saved, ctx);
    expect(step).toEqual({ ok: false, error: 'web2: the healthfile drain method needs app.healthFile in the cluster file' });
    expect(fc.execs('web2')).toEqual([]);
  });
});
