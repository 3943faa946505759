import { describe, expect, it } from 'vitest';
import { applyTargets, setAndConfirm } from '../../src/lb/apply.ts';
import type { SavedSlot, SlotTarget } from '../../src/lb/types.ts';
import { createFakeCluster, type FakeServerSpec } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { anLbContext, anLbServer, savedSlots } from './builders.ts';

const NAT: FakeServerSpec = { name: 'web1', address: '10.0.1.11', port: 8080, forward: 'Masq', weight: 100, thresholds: { upper: 50, lower: 10 } };
const to = (saved: readonly SavedSlot[], weight: number | null): SlotTarget[] => saved.map((slot) => ({ slot, weight }));

async function setup(options: { sudo?: boolean } = {}) {
  const fc = createFakeCluster({ clock: fakeClock(), servers: [NAT, { name: 'web2', address: '10.0.1.12', port: 8080 }], ...options });
  const ctx = anLbContext(fc);
  const server = anLbServer(fc, 'web1');
  const saved = await savedSlots(fc, 'web1');
  return { fc, ctx, server, saved };
}

describe('applyTargets', () => {
  it('quiesces with -e re-sending the forwarding method and the thresholds read with --thresholds', async () => {
    const { fc, ctx, server, saved } = await setup();
    expect(saved.map((s) => [s.dest.upperThreshold, s.dest.lowerThreshold])).toEqual([
      [50, 10],
      [50, 10],
    ]);
    await applyTargets(server, to(saved, 0), ctx);
    const quiesce = ['ipvsadm', '-e', '-t', '10.0.0.100:80', '-r', '10.0.1.11:8080', '-m', '-w', '0', '-x', '50', '-y', '10'];
    expect(fc.ipvsWrites().map((w) => [w.host, w.argv])).toEqual([
      ['lvs1', quiesce],
      ['lvs2', quiesce],
    ]);
    // The emulator applies -e as the kernel does: without -m/-x/-y the dest would turn Route with 0/0.
    for (const d of ['lvs1', 'lvs2']) {
      expect(
        fc
          .state(d)
          .services()[0]
          ?.dests.find((x) => x.port === 8080 && x.address === '10.0.1.11'),
      ).toMatchObject({
        forward: 'Masq',
        weight: 0,
        upperThreshold: 50,
        lowerThreshold: 10,
      });
    }
  });

  it('goes through sudo -n when the directors need it', async () => {
    const { fc, ctx, server, saved } = await setup({ sudo: true });
    await applyTargets(server, to(saved, 0), ctx);
    expect(fc.ipvsWrites().map((w) => w.line)).toEqual([
      'sudo -n ipvsadm -e -t 10.0.0.100:80 -r 10.0.1.11:8080 -m -w 0 -x 50 -y 10',
      'sudo -n ipvsadm -e -t 10.0.0.100:80 -r 10.0.1.11:8080 -m -w 0 -x 50 -y 10',
    ]);
    expect(fc.execs('lvs1').length).toBeGreaterThan(1);
    expect(fc.execs('lvs1').every((e) => e.sudo && e.argv?.[0] === 'ipvsadm')).toBe(true);
  });

  it('sends nothing for slots already at their target, so a repeat is harmless', async () => {
    const { fc, ctx, server, saved } = await setup();
    fc.ipvsadm('lvs1', ['-e', '-t', '10.0.0.100:80', '-r', '10.0.1.11:8080', '-m', '-w', '0', '-x', '50', '-y', '10']);
    await applyTargets(server, to(saved, 0), ctx);
    expect(fc.ipvsWrites().map((w) => w.host)).toEqual(['lvs2']);
    await applyTargets(server, to(saved, 0), ctx);
    expect(fc.ipvsWrites()).toHaveLength(1);
  });

  it('deletes with the listed (mapped) port and re-adds with the saved method, weight and thresholds', async () => {
    const { fc, ctx, server, saved } = await setup();
    await applyTargets(server, to(saved, null), ctx);
    expect(fc.ipvsWrites().map((w) => w.argv)).toEqual([
      ['ipvsadm', '-d', '-t', '10.0.0.100:80', '-r', '10.0.1.11:8080'],
      ['ipvsadm', '-d', '-t', '10.0.0.100:80', '-r', '10.0.1.11:8080'],
    ]);
    expect(fc.weight('web1', 'lvs1')).toBeNull();
    await applyTargets(server, to(saved, 100), ctx);
    expect(
      fc
        .ipvsWrites()
        .slice(2)
        .map((w) => w.argv),
    ).toEqual([
      ['ipvsadm', '-a', '-t', '10.0.0.100:80', '-r', '10.0.1.11:8080', '-m', '-w', '100', '-x', '50', '-y', '10'],
      ['ipvsadm', '-a', '-t', '10.0.0.100:80', '-r', '10.0.1.11:8080', '-m', '-w', '100', '-x', '50', '-y', '10'],
    ]);
    expect(fc.weight('web1', 'lvs2')).toBe(100);
  });

  it('journals intent then outcome for each director action, with weights before and after', async () => {
    const { fc, ctx, server, saved } = await setup();
    await applyTargets(server, to(saved, 0), ctx);
    const actions = fc.events('director-action');
    expect(actions.map((a) => [a.stage, a.director, a.action, a.weightBefore, a.weightAfter, a.forward])).toEqual([
      ['intent', 'lvs1', 'quiesce', 100, 0, '-m'],
      ['intent', 'lvs2', 'quiesce', 100, 0, '-m'],
      ['done', 'lvs1', 'quiesce', 100, 0, '-m'],
      ['done', 'lvs2', 'quiesce', 100, 0, '-m'],
    ]);
    // The intent is on the timeline before the command it announces.
    const intent = actions[0];
    const command = fc.ipvsWrites('lvs1')[0];
    expect(intent && command && intent.seq < command.seq).toBe(true);
  });

  it('accepts a failed command whose effect nonetheless shows in the table', async () => {
    const { fc, ctx, server, saved } = await setup();
    fc.on('lvs2', / -e /, 'lost', { apply: true, times: 1 });
    await expect(applyTargets(server, to(saved, 0), ctx)).resolves.toEqual({ ok: true });
    expect(fc.weight('web1', 'lvs2')).toBe(0);
    expect(
      fc
        .events('director-action')
        .filter((a) => a.stage === 'failed')
        .map((a) => [a.director, a.detail]),
    ).toEqual([['lvs2', 'SSH connection lost']]);
  });

  it('fails, naming the director and the error, when a failed command left the table unchanged', async () => {
    const { fc, ctx, server, saved } = await setup();
    fc.on('lvs2', / -e /, { exitCode: 255, stderr: 'Memory allocation problem\n' });
    const step = await applyTargets(server, to(saved, 0), ctx);
    const error = step.ok ? '' : step.error;
    expect(error).toContain('could not change web1 on every director: lvs2: ipvsadm -e');
    expect(error).toContain('exit 255: Memory allocation problem');
    expect(error).not.toContain('lvs1:');
    expect(fc.weight('web1', 'lvs1')).toBe(0);
  });
});

describe('confirmTargets', () => {
  it('returns once every director shows the target', async () => {
    const { fc, ctx, server, saved } = await setup();
    await setAndConfirm(server, to(saved, 0), ctx, 'weight 0');
    expect(fc.clock.sleeps).toEqual([]);
  });

  it('polls until a lagging director catches up', async () => {
    const { fc, server, saved } = await setup();
    fc.on('lvs2', / -e /, { exitCode: 0 }, { times: 1 });
    // lvs2 accepted the command but did nothing; after the third poll someone else applies it.
    let polls = 0;
    const clock = {
      now: fc.clock.now,
      sleep: async (ms: number, signal?: AbortSignal) => {
        await fc.clock.sleep(ms, signal);
        if (++polls === 3) fc.ipvsadm('lvs2', ['-e', '-t', '10.0.0.100:80', '-r', '10.0.1.11:8080', '-m', '-w', '0', '-x', '50', '-y', '10']);
      },
    };
    await setAndConfirm(server, to(saved, 0), anLbContext(fc, { clock }), 'weight 0');
    expect(polls).toBe(3);
    expect(fc.weight('web1', 'lvs2')).toBe(0);
  });

  it('times out with a message naming the director whose table never changed', async () => {
    const { fc, ctx, server, saved } = await setup();
    fc.on('lvs2', / -e /, { exitCode: 0 });
    const started = fc.clock.now().getTime();
    const step = await setAndConfirm(server, to(saved, 0), ctx, 'weight 0');
    expect(step).toEqual({
      ok: false,
      error: 'web1: the directors did not show weight 0 within 30s (lvs2 TCP 10.0.0.100:80 10.0.1.11:8080: weight 100, wanted weight 0)',
    });
    expect(fc.clock.now().getTime() - started).toBeGreaterThanOrEqual(30_000);
  });
});
