// Pure: what `promote`, `resume` and `abort` continue, read from a journal state (this machine's,
// or the essentials copy on the directors when another CI runner paused the run). Everything here
// travels in the copy, so a job on any runner that reaches the directors can continue the run.
import type { Plan } from '../plan/types.ts';
import type { PausedRun, RunJournalState } from './replay.ts';

/** The paused run, as `promote`/`resume` continue it and `abort` undoes it. */
export interface Continuation {
  /** The run that paused (the new run records it as `continues`). */
  runId: string;
  release: string;
  paused: PausedRun;
  plan: Plan | null;
  /** What each server ran before this release (recorded at its first preflight, never guessed). */
  releasesBefore: Map<string, string | null>;
  /** Servers the earlier runs of this release finished (verified on it, back in the pool). */
  released: string[];
  /** The first run's --batch text and trigger: the continuation keeps them. */
  batch: string;
  trigger: string | undefined;
  /** The artifact the first run uploaded: its path on the machine that ran it, sha256 and size. */
  artifact: RecordedArtifact | undefined;
}

export interface RecordedArtifact {
  path: string;
  sha256?: string;
  size?: number;
}

export function releasesBeforeOf(state: RunJournalState): Map<string, string | null> {
  return new Map([...state.servers.values()].map((s) => [s.server, s.releaseBefore]));
}

export function releasedServersOf(state: RunJournalState): string[] {
  return [...state.servers.values()].filter((s) => s.released).map((s) => s.server);
}

/** The run paused for one of `reasons` (and not followed by anything unfinished), or undefined. */
export function continuationOf(state: RunJournalState, reasons: readonly string[]): Continuation | undefined {
  const { paused, runId, release } = state;
  if (!paused || !reasons.includes(paused.reason) || !state.finished || runId === null || release === null) return undefined;
  const first = state.firstRun;
  return {
    runId,
    release,
    paused,
    plan: state.plan,
    releasesBefore: releasesBeforeOf(state),
    released: releasedServersOf(state),
    batch: first?.batch ?? '1',
    trigger: first?.trigger,
    artifact: first?.artifact ? { path: first.artifact, sha256: first.artifactSha256, size: first.artifactSize } : undefined,
  };
}

/** True when `now` (read again once the lock is held) is still the paused run `expected` continues. */
export function isSamePause(now: RunJournalState, expected: Continuation): boolean {
  return now.runId === expected.runId && now.finished && now.paused?.reason === expected.paused.reason && now.paused.nextBatch === expected.paused.nextBatch;
}

/** `paused (canary) at 2026-11-25T02:10:00Z by CI job 4242 (https://…)`: for status and messages. */
export function describePause(paused: PausedRun): string {
  const by = paused.ciJob ? ` by CI job ${paused.ciJob}${paused.ciJobUrl ? ` (${paused.ciJobUrl})` : ''}` : '';
  return `paused (${paused.reason})${paused.at ? ` at ${paused.at}` : ''}${by}`;
}
