import { describe, expect, it } from 'vitest';
import { dryRunConnections } from '../../src/dry-run/connections.ts';
import { virtualClock } from '../../src/dry-run/clock.ts';
import { dryRunTables } from '../../src/dry-run/tables.ts';
import type { EventInput } from '../../src/events/types.ts';
import { currentDest } from '../../src/lb/apply.ts';
import { DRIVERS } from '../../src/lb/methods.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createFakeCluster } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { anLbContext, anLbServer, savedSlots } from '../lb/builders.ts';

async function setup(keepalived?: { inhibit: boolean }) {
  const fc = createFakeCluster({
    clock: fakeClock(),
    servers: [
      { name: 'web1', address: '10.0.1.11', connections: [4, 4, 4], healthFile: '/srv/app/health' },
      { name: 'web2', address: '10.0.1.12' },
    ],
    sudo: true,
    keepalived,
  });
  const events: EventInput[] = [];
  const live = anLbContext(fc);
  const emit = (e: EventInput) => void events.push(e);
  const ctx = { ...live, emit, tables: dryRunTables(live.tables, emit), connections: dryRunConnections(live.connections, emit) };
  return { fc, ctx, events, server: anLbServer(fc, 'web1'), saved: await savedSlots(fc, 'web1') };
}

describe("a dry run's directors", () => {
  it('report every ipvsadm change with sudo, send none, and show the simulated table to the next step', async () => {
    const { fc, ctx, events, server, saved } = await setup();
    const driver = DRIVERS.ipvsadm;
    expect(await driver.drain(server, saved, ctx)).toEqual({ ok: true });
    const read = await ctx.tables.read(ctx.signal);
    expect(read.ok && saved.map((slot) => currentDest(read.tables, slot, server)?.weight)).toEqual([0, 0]);
    expect(await driver.finishDrain(server, saved, ctx)).toEqual({ ok: true });
    expect(await driver.restore(server, saved, ctx)).toEqual({ ok: true });
    const reported = events.flatMap((e) => (e.type === 'command' ? [`${e.host}: ${e.command}`] : []));
    expect(reported).toEqual([
      'lvs1: sudo -n ipvsadm -e -t 10.0.0.100:80 -r 10.0.1.11:80 -m -w 0 -x 0 -y 0',
      'lvs2: sudo -n ipvsadm -e -t 10.0.0.100:80 -r 10.0.1.11:80 -m -w 0 -x 0 -y 0',
      'lvs1: sudo -n ipvsadm -d -t 10.0.0.100:80 -r 10.0.1.11:80',
      'lvs2: sudo -n ipvsadm -d -t 10.0.0.100:80 -r 10.0.1.11:80',
      'lvs1: sudo -n ipvsadm -a -t 10.0.0.100:80 -r 10.0.1.11:80 -m -w 100 -x 0 -y 0',
      'lvs2: sudo -n ipvsadm -a -t 10.0.0.100:80 -r 10.0.1.11:80 -m -w 100 -x 0 -y 0',
    ]);
    expect(fc.ipvsWrites()).toEqual([]);
    expect(fc.weight('web1', 'lvs1')).toBe(100);
  });

  it('take a health-file drain as keepalived would (weight 0), without waiting for it', async () => {
    const { fc, ctx, server, saved } = await setup({ inhibit: true });
    expect(await DRIVERS.healthfile.drain(server, saved, ctx)).toEqual({ ok: true });
    expect(fc.clock.sleeps).toEqual([]);
    const read = await ctx.tables.read(ctx.signal);
    expect(read.ok && saved.map((slot) => currentDest(read.tables, slot, server)?.weight)).toEqual([0, 0]);
  });

  it('count the real connections once, say what a release would wait for, and answer zero', async () => {
    const { ctx, events, server, saved } = await setup();
    expect(await ctx.connections.count(server, saved, ctx.signal)).toEqual({ ok: true, count: 0, persist: 0 });
    expect(await ctx.connections.count(server, saved, ctx.signal)).toEqual({ ok: true, count: 0, persist: 0 });
    const waits = events.filter((e) => e.type === 'warning' && e.code === 'DRY_RUN_WAIT');
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ server: 'web1', message: expect.stringContaining('4 connection(s)') });
  });
});

describe("a dry run's clock", () => {
  it('moves forward by each sleep without waiting', async () => {
    const clock = virtualClock(systemClock);
    const before = clock.now().getTime();
    const started = Date.now();
    await clock.sleep(3_600_000);
    expect(clock.now().getTime() - before).toBeGreaterThanOrEqual(3_600_000);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
