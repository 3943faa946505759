// replay() per server: what a crash left drained stays owed (saved weights, the release to go
// back to) across every later run until that server is restored; a run refused before it changed
// anything changes nothing recover needs.
import { describe, expect, it } from 'vitest';
import type { EventInput, ReleaseEvent, SavedSlotRecord } from '../../src/events/types.ts';
import { fromCopy, pickJournal, toCopy } from '../../src/journal/director-copy.ts';
import { owedServers, replay } from '../../src/journal/replay.ts';
import { crashedRunEvents, refusedRunEvents } from './builders.ts';

let clock = Date.parse('2026-11-25T04:00:00Z');
/** A hand-made event of run `runId`, one second after the previous one. */
const ev = (runId: string, event: EventInput): ReleaseEvent => {
  clock += 1000;
  return { ...event, at: new Date(clock).toISOString(), runId } as ReleaseEvent;
};

const weightsOf = (state: ReturnType<typeof replay>, server: string) => state.servers.get(server)?.drained?.saved.map((s) => [s.director, s.dest.weight]);

/** A later release r4 that released web3 only (a run that did not know of the crash). */
function laterRun(): ReleaseEvent[] {
  const saved: SavedSlotRecord[] = [
    {
      director: 'lvs1',
      service: { kind: 'addr', protocol: 'tcp', family: 'inet', address: '10.0.0.100', port: 80 },
      label: 'TCP 10.0.0.100:80',
      dest: { family: 'inet', address: '10.0.1.13', port: 80, forward: 'Masq', weight: 100, upperThreshold: 0, lowerThreshold: 0 },
    },
  ];
  return [
    ev('r4-run', { type: 'run-started', cluster: 'test', release: 'r4', command: 'release', trigger: 'ci', dryRun: false, user: 'u', host: 'h', pid: 1 }),
    ev('r4-run', {
      type: 'preflight',
      servers: [
        { name: 'web1', inPool: false, release: 'r1' },
        { name: 'web3', inPool: true, release: 'r1' },
      ],
    }),
    ev('r4-run', { type: 'batch-started', index: 0, servers: ['web3'], purpose: 'release' }),
    ev('r4-run', { type: 'server-draining', server: 'web3', method: 'ipvsadm', purpose: 'release', saved }),
    ev('r4-run', { type: 'release-switch', stage: 'done', server: 'web3', from: 'r1', to: 'r4' }),
    ev('r4-run', { type: 'server-restored', server: 'web3', weights: [], outOfPoolMs: 1 }),
    ev('r4-run', { type: 'server-finished', server: 'web3', outcome: 'released', releaseBefore: 'r1', releaseAfter: 'r4', outOfPoolMs: 1, drainMs: 1 }),
    ev('r4-run', { type: 'run-finished', outcome: 'released', exitCode: 0 }),
  ];
}

describe('replay: servers a crash left drained', () => {
  it('after the crash: web1 and web2 are owed, with their saved weights and the release they go back to', async () => {
    const crash = await crashedRunEvents();
    const state = replay(crash);
    expect(state).toMatchObject({ release: 'r2', finished: false });
    for (const server of ['web1', 'web2']) {
      expect(weightsOf(state, server)).toEqual([
        ['lvs1', 100],
        ['lvs2', 100],
      ]);
      expect(state.servers.get(server)?.drained).toMatchObject({ method: 'ipvsadm', runId: crash[0]?.runId, release: 'r2', target: 'r1' });
    }
    expect(owedServers(state).map((s) => s.server)).toEqual(['web1', 'web2']);
  });

  it('a release refused at its preflight afterwards changes nothing recover needs (issue 8, item 5)', async () => {
    const crash = await crashedRunEvents();
    const refused = await refusedRunEvents();
    expect(refused.map((e) => e.type)).toContain('run-started');
    expect(refused.at(-1)).toMatchObject({ type: 'run-finished', outcome: 'refused' });
    const state = replay([...crash, ...refused]);
    for (const server of ['web1', 'web2'])
      expect(weightsOf(state, server)).toEqual([
        ['lvs1', 100],
        ['lvs2', 100],
      ]);
    const alone = replay(crash);
    const { updatedAt: _a, ...withRefused } = state;
    const { updatedAt: _b, ...withoutRefused } = alone;
    expect(withRefused).toEqual(withoutRefused);
  });

  it('a server stays owed across a later run that released other servers, until it is restored', async () => {
    const crash = await crashedRunEvents();
    const state = replay([...crash, ...laterRun()]);
    expect(state).toMatchObject({ release: 'r4', finished: true, outcome: 'released' });
    expect(state.servers.get('web1')?.drained).toMatchObject({ runId: crash[0]?.runId, release: 'r2', target: 'r1' });
    expect(weightsOf(state, 'web2')).toEqual([
      ['lvs1', 100],
      ['lvs2', 100],
    ]);
    expect(state.servers.get('web3')).toMatchObject({ drained: null, released: true, current: 'r4' });

    const restored = replay([
      ...crash,
      ...laterRun(),
      ev('recover-1', {
        type: 'run-started',
        cluster: 'test',
        release: 'r4',
        command: 'recover',
        trigger: 'manual',
        dryRun: false,
        user: 'u',
        host: 'h',
        pid: 2,
      }),
      ev('recover-1', { type: 'server-restored', server: 'web1', weights: [], outOfPoolMs: 1 }),
    ]);
    expect(owedServers(restored).map((s) => s.server)).toEqual(['web2']);
  });

  it('recover draining an owed server again keeps where it came from and its first saved weights', async () => {
    const crash = await crashedRunEvents();
    const zero =
      replay(crash)
        .servers.get('web1')
        ?.drained?.saved.map((s) => ({ ...s, dest: { ...s.dest, weight: 0 } })) ?? [];
    const state = replay([
      ...crash,
      ev('recover-2', {
        type: 'run-started',
        cluster: 'test',
        release: 'r2',
        command: 'recover',
        trigger: 'manual',
        dryRun: false,
        user: 'u',
        host: 'h',
        pid: 2,
      }),
      ev('recover-2', { type: 'server-draining', server: 'web1', method: 'ipvsadm', purpose: 'rollback', saved: zero }),
    ]);
    expect(state.servers.get('web1')?.drained).toMatchObject({ runId: crash[0]?.runId, release: 'r2', target: 'r1' });
    expect(weightsOf(state, 'web1')).toEqual([
      ['lvs1', 100],
      ['lvs2', 100],
    ]);
  });

  it('a rollback refused for want of room leaves the paused canary it found (abort still works)', () => {
    const canary = [
      ev('c-run', { type: 'run-started', cluster: 'test', release: 'r2', command: 'release', trigger: 'ci', dryRun: false, user: 'u', host: 'h', pid: 1 }),
      ev('c-run', { type: 'batch-started', index: 0, servers: ['web1'], purpose: 'release' }),
      ev('c-run', { type: 'server-finished', server: 'web1', outcome: 'released', releaseBefore: 'r1', releaseAfter: 'r2', outOfPoolMs: 1, drainMs: 1 }),
      ev('c-run', { type: 'paused', reason: 'canary', nextBatch: 1, resumeWith: 'release promote | release abort' }),
      ev('c-run', { type: 'run-finished', outcome: 'paused', exitCode: 0 }),
    ];
    const refusedAbort = [
      ev('a-run', {
        type: 'run-started',
        cluster: 'test',
        release: 'r2',
        command: 'abort',
        trigger: 'manual',
        dryRun: false,
        user: 'u',
        host: 'h',
        pid: 1,
        targets: { web1: 'r1' },
      }),
      ev('a-run', { type: 'marked-bad', server: '*', release: 'r2' }),
      ev('a-run', { type: 'warning', code: 'ROLLBACK_NO_ROOM', message: 'no room' }),
      ev('a-run', { type: 'run-finished', outcome: 'refused', exitCode: 3 }),
    ];
    const state = replay([...canary, ...refusedAbort]);
    expect(state).toMatchObject({ runId: 'c-run', command: 'release', paused: { reason: 'canary', nextBatch: 1 }, outcome: 'paused' });
    // What it did record stays: the release is bad.
    expect(state.badReleases).toEqual(['r2']);
  });
});

describe('the essentials copy on the directors', () => {
  it('keeps the owed servers through a refused run, and reads back to the same state', async () => {
    const state = replay([...(await crashedRunEvents()), ...(await refusedRunEvents())]);
    const copy = JSON.parse(JSON.stringify(toCopy(state))) as ReturnType<typeof toCopy>;
    expect(copy.state.servers.filter((s) => s.drained).map((s) => s.server)).toEqual(['web1', 'web2']);
    expect(fromCopy(copy)).toEqual(state);
  });

  it("a recover that adopted the copy (another machine's crash) makes the copy's state this machine's", async () => {
    const state = replay(await crashedRunEvents());
    const adopted = replay([
      ev('recover-3', {
        type: 'run-started',
        cluster: 'test',
        release: 'recover',
        command: 'recover',
        trigger: 'manual',
        dryRun: false,
        user: 'u',
        host: 'h',
        pid: 2,
        adopted: { from: 'lvs1', state: JSON.parse(JSON.stringify(toCopy(state).state)) },
      }),
    ]);
    expect(owedServers(adopted).map((s) => s.server)).toEqual(['web1', 'web2']);
    expect(adopted.runId).toBe(state.runId);
    expect(adopted.servers.get('web1')?.drained).toEqual(state.servers.get('web1')?.drained);
  });

  it('pickJournal: the local journal unless it knows nothing or the copy changed later (another machine ran last)', async () => {
    const local = replay(await crashedRunEvents());
    const empty = replay([]);
    const older = { ...local, updatedAt: '2026-01-01T00:00:00.000Z' };
    const newer = { ...local, runId: 'other', updatedAt: '2027-01-01T00:00:00.000Z' };
    expect(pickJournal(local, [])).toEqual({ state: local, from: 'local' });
    expect(pickJournal(empty, [{ director: 'lvs1', state: local }])).toEqual({ state: local, from: 'lvs1' });
    expect(pickJournal(local, [{ director: 'lvs1', state: older }])).toEqual({ state: local, from: 'local' });
    expect(pickJournal(local, [{ director: 'lvs1', state: local }])).toEqual({ state: local, from: 'local' });
    expect(
      pickJournal(local, [
        { director: 'lvs1', state: older },
        { director: 'lvs2', state: newer },
      ]),
    ).toEqual({ state: newer, from: 'lvs2' });
  });
});
