// A dry run does not wait for connections: it counts them once per server (for real, a read),
// says what the release would wait for, and answers zero.
import type { Emit } from '../events/types.ts';
import type { ConnectionCounter } from '../lb/types.ts';

export function dryRunConnections(real: ConnectionCounter, emit: Emit): ConnectionCounter {
  const counted = new Set<string>();
  return {
    async count(server, saved, signal) {
      if (!counted.has(server.name)) {
        counted.add(server.name);
        const now = await real.count(server, saved, signal);
        const what = now.ok
          ? `${now.count} connection(s)${now.persist ? ` and ${now.persist} persistence template(s)` : ''} now`
          : `connections (not countable now: ${now.error})`;
        emit({ type: 'warning', code: 'DRY_RUN_WAIT', server: server.name, message: `a release would wait here until ${server.name}'s ${what} are gone` });
      }
      return { ok: true, count: 0, persist: 0 };
    },
  };
}
