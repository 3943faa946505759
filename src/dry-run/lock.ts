// A dry run takes no lock: it says who holds it (a real run would be refused now).
import type { Emit } from '../events/types.ts';
import { describeOwner } from '../lock/lock.ts';
import type { ClusterLock } from '../runner/cluster-lock.ts';

export function dryRunLock(real: ClusterLock, emit: Emit): ClusterLock {
  return {
    async take({ signal }) {
      for (const held of await real.holders(signal)) {
        emit({
          type: 'warning',
          code: 'LOCK_HELD',
          director: held.director,
          message: `the cluster lock is held by ${describeOwner(held.owner)} (heartbeat ${Math.round(held.heartbeatAgeMs / 1000)}s ago): a real run would be refused now`,
        });
      }
      return { release: async () => {} };
    },
    holders: (signal) => real.holders(signal),
  };
}
