// `recover` decides per server from what the journal owes it (saved weights, release to go back
// to), whatever ran after the crash; `release` refuses while servers are owed; recover takes over
// a lock whose holder died on this host.
import { describe, expect, it } from 'vitest';
import { EXIT, isReleaseError } from '../../src/core/errors.ts';
import type { ReleaseEvent } from '../../src/events/types.ts';
import { replay } from '../../src/journal/replay.ts';
import { runRecover } from '../../src/runner/recover.ts';
import type { FakeCluster } from '../helpers/fake-cluster.ts';
import { clusterAfterCrash, crashedRunEvents, fourServers, refusedRunEvents, releaseEvents } from '../journal/builders.ts';
import { aPipeline } from './builders.ts';

function deps(fc: FakeCluster, journal: readonly ReleaseEvent[], extra: Record<string, unknown> = {}) {
  const events: ReleaseEvent[] = [];
  return {
    events,
    deps: {
      openSessions: async () => fc.sessions,
      emit: (e: ReleaseEvent) => {
        events.push(e);
        fc.emit(e);
      },
      clock: fc.clock,
      stop: new AbortController().signal,
      journalEvents: () => journal,
      ...extra,
    },
  };
}

const weights = (fc: FakeCluster) => ['web1', 'web2', 'web3', 'web4'].map((s) => [fc.weight(s, 'lvs1'), fc.weight(s, 'lvs2')]);

describe('runRecover', () => {
  it('after a crash then a refused release, puts back the servers the crash left drained (issue 8, item 5)', async () => {
    const journal = [...(await crashedRunEvents()), ...(await refusedRunEvents())];
    const fc = clusterAfterCrash();
    const { deps: d } = deps(fc, journal);
    const result = await runRecover({ cluster: fc.cluster, pipeline: aPipeline(), journal: replay(journal) }, d);
    expect(result.exitCode).toBe(EXIT.ok);
    expect(result.results.map((r) => [r.server, r.outcome, r.releaseAfter])).toEqual([
      ['web1', 'rolled-back', 'r1'],
      ['web2', 'rolled-back', 'r1'],
    ]);
    expect(result.extra?.untouched).toEqual(['web3', 'web4']);
    expect(weights(fc)).toEqual([
      [100, 100],
      [100, 100],
      [100, 100],
      [100, 100],
    ]);
  });

  it('reads the journal itself when not given one, and records the restore so a second recover needs nothing', async () => {
    const journal = [...(await crashedRunEvents()), ...(await refusedRunEvents())];
    const fc = clusterAfterCrash();
    const first = deps(fc, journal);
    expect((await runRecover({ cluster: fc.cluster, pipeline: aPipeline() }, first.deps)).results).toHaveLength(2);
    const writes = fc.ipvsWrites().length;
    const second = deps(fc, [...journal, ...first.events]);
    const again = await runRecover({ cluster: fc.cluster, pipeline: aPipeline() }, second.deps);
    expect(again).toMatchObject({ exitCode: EXIT.ok, results: [], extra: { untouched: ['web1', 'web2', 'web3', 'web4'] } });
    expect(fc.ipvsWrites()).toHaveLength(writes);
  });

  it('takes over a lock whose holder died on this host, and records it; a stale lock of another host still needs --break-lock', async () => {
    const fc = fourServers();
    for (const d of ['lvs1', 'lvs2']) fc.holdLock(d, { token: 'deadbeef', user: 'ci', host: 'this-host', pid: 4242, command: 'release' }, 1_000);
    const gone = (owner: { host?: string; pid?: number } | null) => owner?.host === 'this-host' && owner.pid === 4242;
    const { deps: d, events } = deps(fc, [], { isLockHolderGone: gone });
    const result = await runRecover({ cluster: fc.cluster, pipeline: aPipeline() }, d);
    expect(result.exitCode).toBe(EXIT.ok);
    const taken = events.filter((e): e is Extract<ReleaseEvent, { type: 'warning' }> => e.type === 'warning' && e.code === 'LOCK_TAKEN_OVER');
    expect(taken.map((w) => w.director)).toEqual(['lvs1', 'lvs2']);
    expect(taken[0]?.message).toContain('ci@this-host pid 4242');
    expect(fc.lockOn('lvs1')).toBeUndefined();

    const other = fourServers();
    for (const d2 of ['lvs1', 'lvs2']) other.holdLock(d2, { token: 'cafebabe', user: 'ci', host: 'ci-runner-9', pid: 77, command: 'release' }, 3_600_000);
    const error = await runRecover({ cluster: other.cluster, pipeline: aPipeline() }, deps(other, [], { isLockHolderGone: gone }).deps).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isReleaseError(error) && error.code).toBe('LOCK_STALE');
    expect(isReleaseError(error) && error.hint).toContain('`release recover --break-lock`');
  });
});

describe('runRelease while servers are owed', () => {
  it('refuses (exit 3) before changing anything, naming the servers the unfinished run left drained and `release recover`', async () => {
    const crash = await crashedRunEvents();
    const fc = clusterAfterCrash();
    const { events, error } = await releaseEvents(fc, 'r3', '2', crash);
    expect(isReleaseError(error) && error.code).toBe('SERVERS_OWED');
    expect((error as Error).message).toMatch(/web1, web2/);
    expect((error as Error).message).toContain(crash[0]?.runId ?? '?');
    expect(isReleaseError(error) && error.hint).toContain('`release recover`');
    expect(isReleaseError(error) && error.hint).not.toMatch(/Put the servers back/);
    expect(events.filter((e) => e.type === 'run-started')).toEqual([]);
    expect(fc.ipvsWrites()).toEqual([]);
    expect(fc.lockOn('lvs1')).toBeUndefined();
  });

  it('refuses the same with a larger batch that would leave room (the owed servers come first)', async () => {
    const crash = await crashedRunEvents();
    const { error } = await releaseEvents(clusterAfterCrash(), 'r3', '3', crash);
    expect(isReleaseError(error) && error.code).toBe('SERVERS_OWED');
    expect((error as Error).message).toMatch(/web1, web2/);
  });
});
