// From a run's outcome to its exit status, as data: one table for every command, printed in the
// README. A run either releases (release, promote, resume) or undoes (abort, rollback, recover):
// `rolled-back` is a failure after a release (exit 1) and the goal reached after an undo (exit 0).
// NOTE: `paused` (a canary released and waiting for promote/abort, or a resume that paused it again)
// exits 0 on purpose: the run did what `--canary` asked, and every CI system fails a job on any
// other status (its promote job would never start; a shell wrapper to map a code back breaks
// `exec release`, which GitHub needs to deliver its cancel signals). Pipelines tell a pause from a
// release by the outcome: `outcome` and `paused.resumeWith` in --report, `run-finished` in --json.
import { EXIT, type ExitStatus } from '../core/errors.ts';
import type { RunOutcome } from '../events/types.ts';

export const RUN_KINDS = {
  release: 'release',
  promote: 'release',
  resume: 'release',
  abort: 'undo',
  rollback: 'undo',
  recover: 'undo',
} as const;
export type RunKind = keyof typeof RUN_KINDS;
export type RunGoal = (typeof RUN_KINDS)[RunKind];

export const EXIT_BY_OUTCOME = {
  released: { release: EXIT.ok, undo: EXIT.ok },
  'dry-run': { release: EXIT.ok, undo: EXIT.ok },
  paused: { release: EXIT.ok, undo: EXIT.ok },
  'rolled-back': { release: EXIT.failedRolledBack, undo: EXIT.ok },
  'rollback-failed': { release: EXIT.rollbackFailed, undo: EXIT.rollbackFailed },
  refused: { release: EXIT.refused, undo: EXIT.refused },
  interrupted: { release: EXIT.interrupted, undo: EXIT.interrupted },
} as const satisfies Record<RunOutcome, Record<RunGoal, ExitStatus>>;

export function exitStatusFor(kind: RunKind, outcome: RunOutcome): ExitStatus {
  return EXIT_BY_OUTCOME[outcome][RUN_KINDS[kind]];
}
