// The cluster lock as the run sees it: take it on every director (with heartbeat), or say who
// holds it. Refusals (held, stale) are thrown by the lock module and end the command (exit 3).
import type { Emit } from '../events/types.ts';
import type { DirectorHandle } from '../lb/directors.ts';
import { acquireLock, describeOwner, newLockOwner, readLockHolders, startHeartbeat, type LockOwner, type LockSettings } from '../lock/lock.ts';

export interface LockHolder {
  director: string;
  owner: Partial<LockOwner> | null;
  heartbeatAgeMs: number;
}

export interface ClusterLock {
  /** Takes the lock on every director (recording what it broke or took over), or throws a refusal. */
  take(input: { owner: Omit<LockOwner, 'token'>; signal: AbortSignal }): Promise<{ release(): Promise<void> }>;
  /** Read-only: who holds it. */
  holders(signal: AbortSignal): Promise<LockHolder[]>;
}

export interface LockPolicy {
  /** --break-lock: break a stale lock (recorded). */
  breakStale: boolean;
  /** A holder known to be gone (same host, dead pid). */
  isHolderGone?: (owner: Partial<LockOwner> | null) => boolean;
}

export function createClusterLock(input: { directors: readonly DirectorHandle[]; settings: LockSettings; policy: LockPolicy; emit: Emit }): ClusterLock {
  const { directors, settings, emit } = input;
  return {
    async take({ owner, signal }) {
      const lock = await acquireLock({
        directors,
        settings,
        owner: newLockOwner(owner),
        breakStale: input.policy.breakStale,
        isHolderGone: input.policy.isHolderGone,
        // recover is the command for the moment after a crash: a holder that provably died needs no --break-lock.
        takeOverGone: owner.command === 'recover',
        signal,
      });
      const stopHeartbeat = startHeartbeat(directors, settings, lock.owner);
      for (const b of lock.broken) {
        const age = Math.round(b.heartbeatAgeMs / 1000);
        emit(
          b.reason === 'holder-gone'
            ? {
                type: 'warning',
                code: 'LOCK_TAKEN_OVER',
                director: b.director,
                message: `took over the lock held by ${describeOwner(b.owner)} (heartbeat ${age}s old): that process is gone from this host`,
              }
            : {
                type: 'warning',
                code: 'LOCK_BROKEN',
                director: b.director,
                message: `broke a stale lock held by ${describeOwner(b.owner)} (heartbeat ${age}s old), as asked with --break-lock`,
              },
        );
      }
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          stopHeartbeat();
          await lock.release();
        },
      };
    },
    holders: (signal) => readLockHolders(directors, settings, signal),
  };
}
