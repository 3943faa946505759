// The journal as the runner writes it: replay() over the events of real runs on the fake
// cluster (complete, failed, and cut short by a crash), and readJournal over a torn file.
// (Lives with the runner tests because its event sequences come from runRelease.)
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseEvent } from '../../src/events/types.ts';
import { openJournal, readJournal } from '../../src/journal/journal.ts';
import { replay } from '../../src/journal/replay.ts';
import { parseBatchSpec } from '../../src/plan/batch-spec.ts';
import { runRelease } from '../../src/runner/run.ts';
import { createFakeCluster, type FakeCluster } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';
import { aPipeline } from './builders.ts';

function cluster(): FakeCluster {
  return createFakeCluster({
    clock: fakeClock(),
    servers: [
      { name: 'web1', address: '10.0.1.11', connections: [1, 0] },
      { name: 'web2', address: '10.0.1.12' },
      { name: 'web3', address: '10.0.1.13' },
    ],
  });
}

async function eventsOf(fc: FakeCluster, batch = '1'): Promise<ReleaseEvent[]> {
  const events: ReleaseEvent[] = [];
  await runRelease(
    { cluster: fc.cluster, pipeline: aPipeline(), batch: parseBatchSpec(batch), release: 'r2', trigger: 'ci' },
    {
      openSessions: async () => fc.sessions,
      emit: (e) => void events.push(e),
      clock: fc.clock,
      stop: new AbortController().signal,
      confirmCanary: async () => true,
    },
  );
  return events;
}

const view = (state: ReturnType<typeof replay>) =>
  Object.fromEntries(
    [...state.servers.values()].map((s) => [s.server, { current: s.current, drained: s.drained !== null, outcome: s.outcome, released: s.released }]),
  );

describe('replay', () => {
  it('gives every server its release and pool state after a complete run', async () => {
    const events = await eventsOf(cluster());
    const state = replay(events);
    expect(state).toMatchObject({ release: 'r2', cluster: 'test', started: true, finished: true, outcome: 'released', badReleases: [] });
    expect(state.runId).toBe(events[0]?.runId);
    expect(view(state)).toEqual({
      web1: { current: 'r2', drained: false, outcome: 'released', released: true },
      web2: { current: 'r2', drained: false, outcome: 'released', released: true },
      web3: { current: 'r2', drained: false, outcome: 'released', released: true },
    });
    expect([...state.servers.values()].map((s) => s.releaseBefore)).toEqual(['r1', 'r1', 'r1']);
  });

  it('knows which server is still out, with what to restore, after a failed rollback', async () => {
    const fc = cluster();
    fc.on('web2', /^verify /, { exitCode: 1 });
    const events = await eventsOf(fc);
    expect(events.filter((e) => e.type === 'warning').map((e) => e.code)).toContain('ROLLBACK_NO_ROOM');
    const state = replay(events);
    expect(state.outcome).toBe('rollback-failed');
    expect(state.badReleases).toEqual(['r2']);
    const web2 = state.servers.get('web2');
    expect(web2).toMatchObject({ current: 'r1', outcome: 'rollback-failed', released: false });
    expect(web2?.drained?.method).toBe('ipvsadm');
    expect(web2?.drained?.saved.map((s) => [s.director, s.label, s.dest.address, s.dest.port, s.dest.forward, s.dest.weight])).toEqual([
      ['lvs1', 'TCP 10.0.0.100:80', '10.0.1.12', 80, 'Masq', 100],
      ['lvs2', 'TCP 10.0.0.100:80', '10.0.1.12', 80, 'Masq', 100],
    ]);
    // web1 was released in batch 1; with web2 stuck out a batch of 1 leaves no room to roll it back.
    expect(state.servers.get('web1')).toMatchObject({ current: 'r2', drained: null, outcome: 'released' });
    expect(state.servers.get('web3')).toMatchObject({ current: 'r1', drained: null, outcome: null });
  });

  it('shows a crash mid-switch: drained, the switch in flight, current not yet known to have moved', async () => {
    const events = await eventsOf(cluster());
    const cut = events.findIndex((e) => e.type === 'release-switch' && e.stage === 'intent' && e.server === 'web2');
    expect(cut).toBeGreaterThan(0);
    const state = replay(events.slice(0, cut + 1));
    expect(state).toMatchObject({ started: true, finished: false, outcome: null });
    expect(state.servers.get('web1')).toMatchObject({ current: 'r2', drained: null, released: true, switchInFlight: null });
    expect(state.servers.get('web2')).toMatchObject({ current: 'r1', switchInFlight: { from: 'r1', to: 'r2' }, released: false, outcome: null });
    expect(state.servers.get('web2')?.drained?.saved).toHaveLength(2);
    expect(state.servers.get('web3')).toMatchObject({ current: 'r1', drained: null, outcome: null });
  });
});

describe('readJournal', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('reads back what was appended and ignores a torn last line', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lvs-journal-'));
    const path = join(dir, 'nested', 'test.journal.ndjson');
    const events = await eventsOf(cluster());
    const journal = openJournal(path);
    for (const e of events) journal.append(e);
    journal.close();
    appendFileSync(path, '{"type":"server-draining","server":"web1","meth');
    const read = readJournal(path);
    expect(read).toEqual(events);
    expect(view(replay(read))).toEqual(view(replay(events)));
  });

  it('reads a missing journal as no events', () => {
    dir = mkdtempSync(join(tmpdir(), 'lvs-journal-'));
    expect(readJournal(join(dir, 'none.ndjson'))).toEqual([]);
  });
});
