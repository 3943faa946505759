// The cluster lock's decisions: who may take over a lock, and hints that name a command which
// does not refuse in the same state (issue 8, item 6).
import { describe, expect, it } from 'vitest';
import { isReleaseError, type ReleaseError } from '../../src/core/errors.ts';
import { acquireLock, holderGoneOnThisHost, newLockOwner, type LockOwner } from '../../src/lock/lock.ts';
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

const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (isReleaseError(e) ? e : Promise.reject(e))) as Promise<ReleaseError | undefined>;

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
