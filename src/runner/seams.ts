// Where a run touches the world beyond SSH sessions: the directors' tables, the connection
// counter, the HTTP checker, the cluster lock and the clock of the waits. A run gets the real
// ones; a dry run passes decorators (src/dry-run/) that report and simulate instead, so plan and
// release run the same engine code.
import type { Clock } from '../core/clock.ts';
import type { Emit } from '../events/types.ts';
import type { ConnectionCounter, DirectorTables } from '../lb/types.ts';
import type { HttpChecker } from '../smoke/http.ts';
import type { HostSession } from '../transport/types.ts';
import type { ClusterLock } from './cluster-lock.ts';

export interface RunSeams {
  tables(real: DirectorTables, emit: Emit): DirectorTables;
  connections(real: ConnectionCounter, emit: Emit): ConnectionCounter;
  httpCheck(real: HttpChecker, emit: Emit): HttpChecker;
  lock(real: ClusterLock, emit: Emit): ClusterLock;
  /** The clock of the server flows' waits (drain settle, ramp, confirmation polls). */
  flowClock(real: Clock): Clock;
  /** The machine running release (run-once steps `on: controller`): reached by no transport. */
  controller(real: HostSession, emit: Emit): HostSession;
}

/** The real world, unchanged. */
export const LIVE: RunSeams = {
  tables: (real) => real,
  connections: (real) => real,
  httpCheck: (real) => real,
  lock: (real) => real,
  flowClock: (real) => real,
  controller: (real) => real,
};
