// One release per cluster (SPEC invariant 5): a lock directory created atomically (`mkdir`) on
// every director, naming its holder, with a heartbeat the holder touches. A held lock refuses;
// a lock whose heartbeat stopped is reported as stale and broken only when asked (--break-lock).
import { randomBytes } from 'node:crypto';
import { ReleaseError } from '../core/errors.ts';
import type { DirectorHandle } from '../lb/directors.ts';
import type { ExecResult, RemoteCommand } from '../transport/types.ts';
import {
  isOwnedBy,
  LOCK_HELD_EXIT,
  parseHeld,
  parseOwner,
  readLockCommand,
  readOwnerCommand,
  removeLockCommand,
  takeLockCommand,
  touchHeartbeatCommand,
  type LockOwner,
} from './commands.ts';

export type { LockOwner } from './commands.ts';

export interface LockSettings {
  path: string;
  staleAfterMs: number;
  heartbeatMs: number;
}

/** What one director says about the lock. */
export type LockProbe =
  | { director: string; state: 'acquired' }
  | { director: string; state: 'held'; owner: Partial<LockOwner> | null; heartbeatAgeMs: number }
  | { director: string; state: 'error'; detail: string };

export function newLockOwner(input: Omit<LockOwner, 'token'>): LockOwner {
  return { ...input, token: randomBytes(8).toString('hex') };
}

const failure = (result: ExecResult) => result.stderr.trim() || result.error || `exit ${result.exitCode}`;

/** Reads the take command's answer: taken (exit 0), held (LOCK_HELD_EXIT, then the holder), or an error. */
export function probeOf(director: string, result: ExecResult, owner: LockOwner): LockProbe {
  if (result.ok) return { director, state: 'acquired' };
  if (result.exitCode !== LOCK_HELD_EXIT) return { director, state: 'error', detail: failure(result) };
  const held = parseHeld(result.stdout);
  if (!held) return { director, state: 'error', detail: `unexpected answer: ${result.stdout.split('\n')[0] ?? ''}` };
  // Ours already (a retry after breaking a stale lock elsewhere).
  if (isOwnedBy(held.owner, owner)) return { director, state: 'acquired' };
  return { director, state: 'held', ...held };
}

export function describeOwner(owner: Partial<LockOwner> | null): string {
  if (!owner) return 'an unknown holder (no owner file)';
  return `${owner.user ?? '?'}@${owner.host ?? '?'} pid ${owner.pid ?? '?'}${owner.ciJob ? ` CI job ${owner.ciJob}` : ''} (${owner.command ?? 'release'} since ${owner.startedAt ?? '?'})`;
}

/** A lock removed to take ours: `stale` broken as asked (--break-lock), `holder-gone` taken over
 * because its holder provably died (this host, pid not alive). */
export interface BrokenLock {
  director: string;
  owner: Partial<LockOwner> | null;
  heartbeatAgeMs: number;
  reason: 'stale' | 'holder-gone';
}

export interface HeldLock {
  owner: LockOwner;
  /** Broken or taken-over locks, for the record. */
  broken: BrokenLock[];
  release(): Promise<void>;
}

type HeldProbe = Extract<LockProbe, { state: 'held' }>;

/** The hint of a refusal: it names only a command that does not refuse in the same state. */
function lockHint(held: HeldProbe, stale: boolean, gone: boolean, takesOverGone: boolean): string {
  if (!stale) return 'Wait for it to finish (`release status` shows the holder and its heartbeat); one release per cluster at a time.';
  const where = held.owner?.host ? ` (it ran on ${held.owner.host})` : '';
  if (takesOverGone) return `Check that the holder is really gone${where}, then run \`release recover --break-lock\` (recorded).`;
  if (gone)
    return 'Its process is gone from this host: run `release recover` (it takes the lock over, recorded, and repairs what that run left), or pass --break-lock (recorded).';
  return `Check that the holder is really gone${where}; if it crashed, run \`release recover --break-lock\` (recorded), or pass --break-lock here.`;
}

const runOn = (d: DirectorHandle, command: RemoteCommand, signal?: AbortSignal) => d.session.exec(command, signal ? { signal } : {});

/** Runs `then` only when the owner file on `d` names `owner`: decided by parsing it here, never on the director. */
async function whenOurs(d: DirectorHandle, settings: LockSettings, owner: LockOwner, then: RemoteCommand, signal?: AbortSignal): Promise<void> {
  const read = await runOn(d, readOwnerCommand(settings.path), signal);
  if (read.ok && isOwnedBy(parseOwner(read.stdout), owner)) await runOn(d, then, signal);
}

/** Removes the lock on `d` only if it is ours. */
const releaseOn = (d: DirectorHandle, settings: LockSettings, owner: LockOwner) => whenOurs(d, settings, owner, removeLockCommand(settings.path));

/** Takes the lock on every director, or refuses (exit 3) naming the holder. */
export async function acquireLock(input: {
  directors: readonly DirectorHandle[];
  settings: LockSettings;
  owner: LockOwner;
  /** --break-lock: break a stale lock (heartbeat too old, or its holder gone). */
  breakStale: boolean;
  /** A holder known to be gone (same host, process not alive) is stale at once. */
  isHolderGone?: (owner: Partial<LockOwner> | null) => boolean;
  /** recover: take over, without --break-lock, a lock whose holder is known to be gone. */
  takeOverGone?: boolean;
  signal?: AbortSignal;
}): Promise<HeldLock> {
  const { directors, settings, owner } = input;
  const broken: BrokenLock[] = [];
  const probe = async (d: DirectorHandle): Promise<LockProbe> => probeOf(d.name, await runOn(d, takeLockCommand(settings.path, owner), input.signal), owner);
  // NOTE: one director after the other, in name order, stopping at the first refusal: two runs
  // started at once cannot each take one director and both give up; the first to lvs1 wins.
  const ordered = [...directors].sort((a, b) => a.name.localeCompare(b.name));
  const probeInOrder = async (): Promise<LockProbe[]> => {
    const out: LockProbe[] = [];
    for (const d of ordered) {
      const p = await probe(d);
      out.push(p);
      if (p.state !== 'acquired') break;
    }
    return out;
  };
  const isGone = (p: HeldProbe) => input.isHolderGone?.(p.owner) ?? false;
  const isStale = (p: HeldProbe) => p.heartbeatAgeMs > settings.staleAfterMs || isGone(p);
  const takeOver = (p: HeldProbe) => (input.takeOverGone ?? false) && isGone(p);
  const breakable = (p: HeldProbe) => takeOver(p) || (input.breakStale && isStale(p));
  let probes = await probeInOrder();
  // The probe stops at the first lock it cannot take: break that one if allowed and go on, at
  // most once per director.
  for (let round = 0; round < ordered.length; round++) {
    const held = probes.filter((p): p is HeldProbe => p.state === 'held');
    if (held.length === 0 || !held.every(breakable)) break;
    await Promise.all(held.map((p) => runOn(directors.find((d) => d.name === p.director) as DirectorHandle, removeLockCommand(settings.path), input.signal)));
    broken.push(
      ...held.map(
        (p): BrokenLock => ({ director: p.director, owner: p.owner, heartbeatAgeMs: p.heartbeatAgeMs, reason: takeOver(p) ? 'holder-gone' : 'stale' }),
      ),
    );
    probes = await probeInOrder();
  }
  const release = async () => {
    await Promise.allSettled(directors.map((d) => releaseOn(d, settings, owner)));
  };
  const failed = probes.filter((p) => p.state !== 'acquired');
  if (failed.length === 0) return { owner, broken, release };
  // Give back what we took before refusing: nothing else was touched.
  await Promise.allSettled(
    probes.filter((p) => p.state === 'acquired').map((p) => releaseOn(directors.find((d) => d.name === p.director) as DirectorHandle, settings, owner)),
  );
  const held = failed.find((p): p is HeldProbe => p.state === 'held');
  if (held) {
    const stale = isStale(held);
    const age = Math.round(held.heartbeatAgeMs / 1000);
    throw new ReleaseError(
      stale ? 'LOCK_STALE' : 'LOCK_HELD',
      stale
        ? `The cluster lock on ${held.director} (${settings.path}) is stale: held by ${describeOwner(held.owner)}, last heartbeat ${age}s ago${isGone(held) ? ', and that process is gone from this host' : ''}.`
        : `Another run holds the cluster lock on ${held.director} (${settings.path}): ${describeOwner(held.owner)}, heartbeat ${age}s ago.`,
      {
        hint: lockHint(held, stale, isGone(held), input.takeOverGone ?? false),
        details: { director: held.director, owner: held.owner, heartbeatAgeMs: held.heartbeatAgeMs },
      },
    );
  }
  const error = failed[0] as Extract<LockProbe, { state: 'error' }>;
  throw new ReleaseError('LOCK_FAILED', `Could not take the cluster lock on ${error.director}: ${error.detail}.`, {
    hint: `The SSH user must be able to create ${settings.path} on every director.`,
  });
}

/** Touches the heartbeat every heartbeatMs until stopped. */
export function startHeartbeat(directors: readonly DirectorHandle[], settings: LockSettings, owner: LockOwner): () => void {
  const timer = setInterval(() => {
    for (const d of directors) void whenOurs(d, settings, owner, touchHeartbeatCommand(settings.path)).catch(() => {});
  }, settings.heartbeatMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** True when the holder ran on this host and its process is gone (a crash or kill -9). */
export function holderGoneOnThisHost(thisHost: string, isAlive: (pid: number) => boolean) {
  return (owner: Partial<LockOwner> | null): boolean => owner !== null && owner.host === thisHost && typeof owner.pid === 'number' && !isAlive(owner.pid);
}

/** Read-only: who holds the lock on each director (for plan, --dry-run and status). */
export async function readLockHolders(
  directors: readonly DirectorHandle[],
  settings: LockSettings,
  signal?: AbortSignal,
): Promise<Extract<LockProbe, { state: 'held' }>[]> {
  const command = readLockCommand(settings.path);
  const probes = await Promise.all(
    directors.map(async (d): Promise<LockProbe | undefined> => {
      const result = await runOn(d, command, signal);
      // Free (exit LOCK_FREE_EXIT) or unreadable: no holder to name.
      if (!result.ok) return undefined;
      const held = parseHeld(result.stdout);
      return held ? { director: d.name, state: 'held', ...held } : undefined;
    }),
  );
  return probes.filter((p): p is Extract<LockProbe, { state: 'held' }> => p?.state === 'held');
}
