import { describe, expect, it } from 'vitest';
import { setAndConfirm } from '../../src/lb/apply.ts';
import type { SlotTarget } from '../../src/lb/types.ts';
import { createFakeCluster, type FakeServerSpec } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { anLbContext, anLbServer, savedSlots } from './builders.ts';

const SERVERS: FakeServerSpec[] = Array.from({ length: 20 }, (_, i) => ({ name: `web${i + 1}`, address: `10.0.1.${i + 11}`, connections: [2, 0] }));

async function setup() {
  const fc = createFakeCluster({ clock: fakeClock(), servers: SERVERS, sudo: true });
  const ctx = anLbContext(fc);
  const batch = await Promise.all(SERVERS.map(async (s) => ({ server: anLbServer(fc, s.name), saved: await savedSlots(fc, s.name) })));
  return { fc, ctx, batch };
}

describe("the directors' reader and writer", () => {
  it("sends a whole batch's quiesce to a director in one exec, with the reads that confirm it", async () => {
    const { fc, ctx, batch } = await setup();
    const before = { lvs1: fc.roundTrips('lvs1'), lvs2: fc.roundTrips('lvs2') };
    const results = await Promise.all(
      batch.map(({ server, saved }) =>
        setAndConfirm(
          server,
          saved.map((slot): SlotTarget => ({ slot, weight: 0 })),
          ctx,
          'weight 0',
        ),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    for (const d of ['lvs1', 'lvs2'] as const) {
      // One shared read (each server computes its commands from it), then one exec with all 20 changes.
      expect(fc.roundTrips(d) - before[d]).toBe(2);
      expect(fc.ipvsWrites(d)).toHaveLength(20);
      expect(SERVERS.every((s) => fc.weight(s.name, d) === 0)).toBe(true);
    }
  });

  it("reports each command's failure separately, and the others still apply", async () => {
    const { fc, ctx, batch } = await setup();
    fc.on('lvs2', / -r 10\.0\.1\.13:80 /, { exitCode: 255, stderr: 'Memory allocation problem\n' });
    const results = await Promise.all(
      batch.map(({ server, saved }) =>
        setAndConfirm(
          server,
          saved.map((slot): SlotTarget => ({ slot, weight: 0 })),
          ctx,
          'weight 0',
        ),
      ),
    );
    const failed = results.flatMap((r, i) => (r.ok ? [] : [[SERVERS[i]?.name, r.error]]));
    expect(failed).toEqual([
      ['web3', expect.stringContaining('lvs2: sudo -n ipvsadm -e -t 10.0.0.100:80 -r 10.0.1.13:80 -m -w 0 -x 0 -y 0 (exit 255: Memory allocation problem)')],
    ]);
    expect(fc.weight('web4', 'lvs2')).toBe(0);
    const failures = fc.events('director-action').filter((a) => a.stage === 'failed');
    expect(failures.map((a) => [a.server, a.director])).toEqual([['web3', 'lvs2']]);
  });

  it('puts a quiesced batch back with one exec per director: the table that confirmed the quiesce is the basis', async () => {
    const { fc, ctx, batch } = await setup();
    const set = (weight: (slot: SlotTarget['slot']) => number) =>
      Promise.all(
        batch.map(({ server, saved }) =>
          setAndConfirm(
            server,
            saved.map((slot): SlotTarget => ({ slot, weight: weight(slot) })),
            ctx,
            'it',
          ),
        ),
      );
    expect((await set(() => 0)).every((r) => r.ok)).toBe(true);
    const before = { lvs1: fc.roundTrips('lvs1'), lvs2: fc.roundTrips('lvs2') };
    expect((await set((slot) => slot.dest.weight)).every((r) => r.ok)).toBe(true);
    for (const d of ['lvs1', 'lvs2'] as const) {
      expect(fc.roundTrips(d) - before[d]).toBe(1);
      expect(SERVERS.every((s) => fc.weight(s.name, d) === 100)).toBe(true);
    }
  });

  it('computes a command that failed on the last read again from the tables as they are (an outside change)', async () => {
    const { fc, ctx, batch } = await setup();
    const web1 = batch[0] as (typeof batch)[number];
    const target = (weight: number) => web1.saved.map((slot): SlotTarget => ({ slot, weight }));
    expect((await setAndConfirm(web1.server, target(0), ctx, 'weight 0')).ok).toBe(true);
    // Someone deletes web1 on lvs1 behind the run's back: the last read still shows it at weight 0.
    fc.ipvsadm('lvs1', ['-d', '-t', '10.0.0.100:80', '-r', '10.0.1.11:80']);
    const restored = await setAndConfirm(web1.server, target(100), ctx, 'the original weight');
    expect(restored).toEqual({ ok: true });
    expect(fc.weight('web1', 'lvs1')).toBe(100);
    const onLvs1 = fc.events('director-action').filter((a) => a.server === 'web1' && a.director === 'lvs1' && a.stage !== 'intent');
    expect(onLvs1.map((a) => `${a.action} ${a.stage}`)).toEqual(['quiesce done', 'edit failed', 'add done']);
  });

  it('sends a command whose outcome was lost again once a fresh read shows it did not take effect', async () => {
    const { fc, ctx, batch } = await setup();
    const web1 = batch[0] as (typeof batch)[number];
    const target = (weight: number) => web1.saved.map((slot): SlotTarget => ({ slot, weight }));
    expect((await setAndConfirm(web1.server, target(0), ctx, 'weight 0')).ok).toBe(true);
    fc.on('lvs1', / -r 10\.0\.1\.11:80 /, 'lost', { times: 1 });
    expect(await setAndConfirm(web1.server, target(100), ctx, 'the original weight')).toEqual({ ok: true });
    expect(fc.weight('web1', 'lvs1')).toBe(100);
    const onLvs1 = fc.events('director-action').filter((a) => a.server === 'web1' && a.director === 'lvs1' && a.stage !== 'intent');
    expect(onLvs1.map((a) => `${a.action} ${a.stage}`)).toEqual(['quiesce done', 'edit failed', 'edit done']);
  });

  it('never sends a timed-out command again (it may still be running): the failure stands', async () => {
    const { fc, ctx, batch } = await setup();
    const web1 = batch[0] as (typeof batch)[number];
    const target = (weight: number) => web1.saved.map((slot): SlotTarget => ({ slot, weight }));
    expect((await setAndConfirm(web1.server, target(0), ctx, 'weight 0')).ok).toBe(true);
    fc.on('lvs1', / -r 10\.0\.1\.11:80 /, 'timeout', { times: 1 });
    const restored = await setAndConfirm(web1.server, target(100), ctx, 'the original weight');
    expect(restored.ok).toBe(false);
    expect(fc.weight('web1', 'lvs1')).toBe(0);
    const onLvs1 = fc.events('director-action').filter((a) => a.server === 'web1' && a.director === 'lvs1' && a.stage !== 'intent');
    expect(onLvs1.map((a) => `${a.action} ${a.stage}`)).toEqual(['quiesce done', 'edit failed']);
  });

  it('does not trust the last read when it shows nothing to do: the tables as they are decide', async () => {
    const { fc, ctx, batch } = await setup();
    const web1 = batch[0] as (typeof batch)[number];
    const quiesce = () =>
      setAndConfirm(
        web1.server,
        web1.saved.map((slot): SlotTarget => ({ slot, weight: 0 })),
        ctx,
        'weight 0',
      );
    expect((await quiesce()).ok).toBe(true);
    fc.ipvsadm('lvs2', ['-e', '-t', '10.0.0.100:80', '-r', '10.0.1.11:80', '-m', '-w', '100']);
    expect((await quiesce()).ok).toBe(true);
    expect(fc.weight('web1', 'lvs2')).toBe(0);
  });

  it('serves every server counting its connections with one read per director', async () => {
    const { fc, ctx, batch } = await setup();
    const before = fc.roundTrips('lvs1');
    const counts = await Promise.all(batch.map(({ server, saved }) => ctx.connections.count(server, saved, ctx.signal)));
    expect(counts.every((c) => c.ok && c.count === 2)).toBe(true);
    expect(fc.roundTrips('lvs1') - before).toBe(1);
  });

  it('counts connections right after a quiesce: only a read paces the next read, a change does not', async () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: SERVERS, sudo: true });
    const ctx = anLbContext(fc, { minReadIntervalMs: 100 });
    const web1 = { server: anLbServer(fc, 'web1'), saved: await savedSlots(fc, 'web1') };
    expect((await ctx.tables.read(ctx.signal)).ok).toBe(true);
    fc.clock.advance(1000);
    // The quiesce is computed from that read and sent (one exec with its confirming read).
    expect(
      (
        await setAndConfirm(
          web1.server,
          web1.saved.map((slot): SlotTarget => ({ slot, weight: 0 })),
          ctx,
          'weight 0',
        )
      ).ok,
    ).toBe(true);
    const quiescedAt = fc.clock.now().getTime();
    expect((await ctx.connections.count(web1.server, web1.saved, ctx.signal)).ok).toBe(true);
    expect(fc.clock.now().getTime() - quiescedAt).toBe(0);
  });

  it('reads the connections in the quiesce exec: the first count needs no exec; a later one, or one after another change, reads again', async () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: SERVERS, sudo: true });
    const ctx = anLbContext(fc, { minReadIntervalMs: 100 });
    const [web1, web2] = await Promise.all(['web1', 'web2'].map(async (name) => ({ server: anLbServer(fc, name), saved: await savedSlots(fc, name) })));
    if (!web1 || !web2) throw new Error('no servers');
    const to = (w: typeof web1, weight: number) => w.saved.map((slot): SlotTarget => ({ slot, weight }));
    expect((await setAndConfirm(web1.server, to(web1, 0), ctx, 'weight 0')).ok).toBe(true);
    const afterQuiesce = fc.roundTrips('lvs1');
    // Read after the change, in the same exec: web1's two connections (its first step) are there.
    expect(await ctx.connections.count(web1.server, web1.saved, ctx.signal)).toEqual({ ok: true, count: 2, persist: 0 });
    expect(fc.roundTrips('lvs1')).toBe(afterQuiesce);
    // A change without a count (web2's weight) makes that count stale at once: read again.
    expect((await setAndConfirm(web2.server, to(web2, 50), ctx, 'weight 50')).ok).toBe(true);
    const afterEdit = fc.roundTrips('lvs1');
    expect(await ctx.connections.count(web1.server, web1.saved, ctx.signal)).toEqual({ ok: true, count: 2, persist: 0 });
    expect(fc.roundTrips('lvs1')).toBe(afterEdit + 1);
    // A connection step (1 s) later, older than the read interval: read again; web1 has drained.
    fc.clock.advance(1000);
    expect(await ctx.connections.count(web1.server, web1.saved, ctx.signal)).toEqual({ ok: true, count: 0, persist: 0 });
    expect(fc.roundTrips('lvs1')).toBe(afterEdit + 2);
  });

  it('never reuses a count that no change of ours came before (keepalived may quiesce a server after it)', async () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: SERVERS, sudo: true });
    const ctx = anLbContext(fc, { minReadIntervalMs: 100 });
    const web1 = { server: anLbServer(fc, 'web1'), saved: await savedSlots(fc, 'web1') };
    await ctx.connections.count(web1.server, web1.saved, ctx.signal);
    const before = fc.roundTrips('lvs1');
    await ctx.connections.count(web1.server, web1.saved, ctx.signal);
    expect(fc.roundTrips('lvs1')).toBe(before + 1);
  });

  it('paces reads: however many servers poll, a director is read at most once per interval', async () => {
    const fc = createFakeCluster({ clock: fakeClock(), servers: SERVERS, sudo: true });
    const ctx = anLbContext(fc, { minReadIntervalMs: 100 });
    const batch = await Promise.all(SERVERS.map(async (s) => ({ server: anLbServer(fc, s.name), saved: await savedSlots(fc, s.name) })));
    const start = fc.clock.now().getTime();
    const before = fc.roundTrips('lvs1');
    // Each server polls ten times, as fast as it can.
    await Promise.all(
      batch.map(async ({ server, saved }) => {
        for (let i = 0; i < 10; i++) await ctx.connections.count(server, saved, ctx.signal);
      }),
    );
    const reads = fc.roundTrips('lvs1') - before;
    const elapsed = fc.clock.now().getTime() - start;
    expect(reads).toBeLessThanOrEqual(elapsed / 100 + 1);
    expect(reads).toBeLessThan(20);
  });
});
