// `release rollback` and `release recover`: the API's runs with the reporter, Ctrl-C and the
// report file around them.
import { recover, rollback } from '../../api/rollback.ts';
import { runApiCall } from '../harness.ts';
import type { CliIo } from '../io.ts';

export interface UndoCliOptions {
  config?: string;
  breakLock?: boolean;
  json?: boolean;
  report?: string;
  /** Taken for a uniform option set (promote/resume use it); windows never block an undo. */
  forceWindow?: boolean;
  reason?: string;
}

/** Rolls the whole cluster (or --limit) back: to --to ID, or each server to what it ran before the last release. */
export function rollbackCommand(io: CliIo, options: UndoCliOptions & { to?: string; batch?: string; limit?: string[] }): Promise<number> {
  return runApiCall(io, options, (hooks) => rollback({ ...hooks, to: options.to, batch: options.batch, limit: options.limit }));
}

/** Repairs after a crash: every server the journal (or the directors' copy) touched ends on one release, in the pool. */
export function recoverCommand(io: CliIo, options: UndoCliOptions): Promise<number> {
  return runApiCall(io, options, (hooks) => recover(hooks));
}
