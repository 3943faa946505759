// The dry run as a seam: `release plan` and `--dry-run` run the release engine unchanged with
// these decorators in place of the world. Commands that change a host are reported (sessions:
// transport/dry-run.ts; directors: tables.ts), reads run for real, waits take no time, and the
// run's events say it was a dry run.
import type { ReleaseEvent } from '../events/types.ts';
import type { ContextDeps } from '../runner/context.ts';
import type { RunSeams } from '../runner/seams.ts';
import { dryRunSession } from '../transport/dry-run.ts';
import { virtualClock } from './clock.ts';
import { dryRunConnections } from './connections.ts';
import { dryRunHttpCheck } from './http.ts';
import { dryRunLock } from './lock.ts';
import { dryRunTables } from './tables.ts';

export const DRY_RUN: RunSeams = {
  tables: dryRunTables,
  connections: dryRunConnections,
  httpCheck: (_real, emit) => dryRunHttpCheck(emit),
  lock: dryRunLock,
  flowClock: virtualClock,
  // The controller's commands are reported like any host's, never run.
  controller: (real, emit) =>
    dryRunSession(real, {
      report: (r) =>
        emit({ type: 'command', host: real.target.name, command: r.kind === 'exec' ? r.commandLine : `put ${r.remotePath}`, mutates: true, dryRun: true }),
    }),
};

/**
 * Says on a run's events whether it was a dry run (the engine does not know): `run-started`
 * carries `dryRun`, and a dry run's end is the `dry-run` outcome (exit 0), not `released`.
 */
export function markRunMode(event: ReleaseEvent, dryRun: boolean): ReleaseEvent {
  if (event.type === 'run-started') return { ...event, dryRun };
  if (dryRun && event.type === 'run-finished' && event.outcome === 'released') return { ...event, outcome: 'dry-run' };
  return event;
}

/** The same deps, in a dry run: the seams above, and every event marked. */
export function dryRunDeps<D extends ContextDeps>(deps: D): D {
  return { ...deps, seams: DRY_RUN, emit: (event: ReleaseEvent) => deps.emit(markRunMode(event, true)) };
}
