// The cluster lock's decisions: who may take over a lock, and hints that name a command which
// does not refuse in the same state (issue 8, item 6).
import { describe, expect, it, vi } from 'vitest';
import { isReleaseError, type ReleaseError } from '../../src/core/errors.ts';
import { acquireLock, holderGoneOnThisHost, newLockOwner, readLockHolders, startHeartbeat, type LockOwner } from '../../src/lock/lock.ts';
import { createFakeCluster, type FakeCluster } from '../helpers/fake-cluster.ts';
import { fakeClock } from '../helpers/fake-clock.ts';

const DEAD = { token: 'deadbeef', user: 'ci', host: 'this-host', pid: 4242, command: 'release', cluster: 'test', startedAt: '2026-11-25T01:00:00Z' };
const FAR = { ...DEAD, token: 'cafebabe', host: 'ci-runner-9', pid: 77 };

function cluster(): FakeCluster {
  return createFakeCluster({ clock: fakeClock(), servers: [{ name: 'web1', address: '10.0.1.11' }] });
}

const gone = holderGoneOnThisHost('this-host', (pid) => pid !== 4242);
const me = (command = 'recover') => newLockOwner({ cluster: 'test', command, user: 'u', host: 'this-host', pid: 1, startedAt: '2026-11-25T02:00:00Z' });

async function take(fc: FakeCluster, options: { command?: string; breakStale?: boolean; takeOverGone?: boolean }) {
  return acquireLock({
    directors: fc.directorHandles,
    settings: fc.cluster.lock,
    owner: me(options.command),
    breakStale: options.breakStale ?? false,
    takeOverGone: options.takeOverGone ?? false,
    isHolderGone: gone,
  });
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => (isReleaseError(e) ? e : Promise.reject(e)),
  ) as Promise<ReleaseError | undefined>;

describe('acquireLock', () => {
  it('takeOverGone (recover): a lock whose holder died on this host is taken over on every director, recorded as such', async () => {
    const fc = cluster();
    for (const d of ['lvs1', 'lvs2']) fc.holdLock(d, DEAD, 1_000);
    const lock = await take(fc, { takeOverGone: true });
    expect(lock.broken.map((b) => [b.director, b.reason, b.owner?.pid])).toEqual([
      ['lvs1', 'holder-gone', 4242],
      ['lvs2', 'holder-gone', 4242],
    ]);
    expect(fc.lockOn('lvs1')).toContain(lock.owner.token);
    expect(fc.lockOn('lvs2')).toContain(lock.owner.token);
  });

  it('takeOverGone never takes a lock of another host, however old: LOCK_STALE whose hint is `release recover --break-lock`', async () => {
    const fc = cluster();
    for (const d of ['lvs1', 'lvs2']) fc.holdLock(d, FAR, 3_600_000);
    const error = await refusal(take(fc, { takeOverGone: true }));
    expect(error?.code).toBe('LOCK_STALE');
    expect(error?.hint).toContain('`release recover --break-lock`');
    expect(fc.lockOn('lvs1')).toContain('cafebabe');
  });

  it('takeOverGone never takes a live lock: LOCK_HELD whose hint names `release status`', async () => {
    const fc = cluster();
    fc.holdLock('lvs1', { ...DEAD, pid: 5 }, 1_000);
    const error = await refusal(take(fc, { takeOverGone: true }));
    expect(error?.code).toBe('LOCK_HELD');
    expect(error?.hint).toContain('`release status`');
  });

  it('without takeOverGone (release, rollback…), a dead holder on this host is stale: the hint names `release recover`', async () => {
    const fc = cluster();
    for (const d of ['lvs1', 'lvs2']) fc.holdLock(d, DEAD, 1_000);
    const error = await refusal(take(fc, { command: 'release' }));
    expect(error?.code).toBe('LOCK_STALE');
    expect(error?.hint).toMatch(/run `release recover`[^-]/);
    expect(error?.hint).toContain('--break-lock');
  });

  it('without takeOverGone, a stale lock of another host: the hint names `release recover --break-lock`', async () => {
    const fc = cluster();
    for (const d of ['lvs1', 'lvs2']) fc.holdLock(d, FAR, 3_600_000);
    const error = await refusal(take(fc, { command: 'release' }));
    expect(error?.code).toBe('LOCK_STALE');
    expect(error?.hint).toContain('`release recover --break-lock`');
  });

  it('--break-lock still breaks a stale lock of another host, recorded as broken', async () => {
    const fc = cluster();
    for (const d of ['lvs1', 'lvs2']) fc.holdLock(d, FAR, 3_600_000);
    const lock = await take(fc, { command: 'release', breakStale: true });
    expect(lock.broken.map((b) => [b.director, b.reason])).toEqual([
      ['lvs1', 'stale'],
      ['lvs2', 'stale'],
    ]);
  });

  it('a holder gone on lvs1 and a live one on lvs2: refused, and the live lock is untouched', async () => {
    const fc = cluster();
    fc.holdLock('lvs1', DEAD, 1_000);
    fc.holdLock('lvs2', { ...FAR, pid: 78 }, 1_000);
    const error = await refusal(take(fc, { takeOverGone: true }));
    expect(error?.code).toBe('LOCK_HELD');
    expect(fc.lockOn('lvs2')).toContain('cafebabe');
    expect(fc.lockOn('lvs1')).toBeUndefined();
  });
});

describe('ownership (issue 9 item 6): decided by parsing the owner file in Node, never by grepping it', () => {
  // Another run's lock whose owner file quotes our token in another field: a grep would call it ours.
  const impostor = (token: string) => ({ ...FAR, token: 'aaaaaaaaaaaaaaaa', cluster: 'test', note: `"token":"${token}"` });

  it("release removes our lock and leaves another run's lock alone, even one that quotes our token", async () => {
    const fc = cluster();
    const lock = await take(fc, { command: 'release' });
    fc.holdLock('lvs1', impostor(lock.owner.token), 0);
    await lock.release();
    expect(fc.lockOn('lvs1')).toContain('aaaaaaaaaaaaaaaa');
    expect(fc.lockOn('lvs2')).toBeUndefined();
    // The owner is read with cat (an argv) and the removal is an argv too: no script, no grep.
    expect(fc.execs().some((e) => e.line.includes('grep'))).toBe(false);
    expect(fc.execs('lvs1').at(-1)?.argv).toEqual(['cat', '--', '.lvs-release/test.lock/owner.json']);
    expect(fc.execs('lvs2').at(-1)?.argv).toEqual(['rm', '-rf', '--', '.lvs-release/test.lock']);
  });

  it('the heartbeat touches only a lock that is ours', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const fc = cluster();
      const lock = await take(fc, { command: 'release' });
      fc.holdLock('lvs1', impostor(lock.owner.token), 0);
      const stop = startHeartbeat(fc.directorHandles, fc.cluster.lock, lock.owner);
      vi.advanceTimersByTime(fc.cluster.lock.heartbeatMs);
      stop();
      await vi.waitFor(() => expect(fc.execs('lvs2').some((e) => e.label === 'cluster lock heartbeat')).toBe(true));
      expect(fc.execs('lvs1').some((e) => e.label === 'cluster lock heartbeat')).toBe(false);
      expect(fc.execs('lvs2').find((e) => e.label === 'cluster lock heartbeat')?.argv).toEqual(['touch', '--', '.lvs-release/test.lock/heartbeat']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('readLockHolders names each holder, read-only', async () => {
    const fc = cluster();
    fc.holdLock('lvs2', FAR, 5_000);
    const holders = await readLockHolders(fc.directorHandles, fc.cluster.lock);
    expect(holders).toEqual([{ director: 'lvs2', state: 'held', owner: FAR, heartbeatAgeMs: 5_000 }]);
    expect(fc.execs().every((e) => !e.mutates)).toBe(true);
  });
});

describe('holderGoneOnThisHost', () => {
  it('is true only for this host and a pid that is not alive', () => {
    const check = holderGoneOnThisHost('h1', (pid) => pid === 10);
    const owner = (o: Partial<LockOwner>) => o;
    expect(check(owner({ host: 'h1', pid: 11 }))).toBe(true);
    expect(check(owner({ host: 'h1', pid: 10 }))).toBe(false);
    expect(check(owner({ host: 'h2', pid: 11 }))).toBe(false);
    expect(check(owner({ host: 'h1' }))).toBe(false);
    expect(check(null)).toBe(false);
  });
});
