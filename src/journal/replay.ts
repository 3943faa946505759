// Pure: the state of every server from a run's events. `status`, `resume`, `recover`,
// `promote` and `abort` start from this.
import type { ReleaseEvent, SavedSlotRecord, ServerOutcome } from '../events/types.ts';

export interface ServerJournalState {
  server: string;
  /** Release before this run touched it (first recorded). */
  releaseBefore: string | null;
  /** Release `current` points to, as far as the journal knows. */
  current: string | null;
  /** A switch was started but not confirmed: `current` may be either. */
  switchInFlight: { from: string | null; to: string } | null;
  /** Out of the pool by our hand, with what to restore; null when in the pool. */
  drained: { method: string; saved: SavedSlotRecord[] } | null;
  outcome: ServerOutcome | null;
  /** Finished its release (new code verified and back in the pool). */
  released: boolean;
}

export interface RunJournalState {
  runId: string | null;
  release: string | null;
  cluster: string | null;
  started: boolean;
  finished: boolean;
  outcome: string | null;
  paused: { reason: string; nextBatch: number } | null;
  /** The command of the last run that was not a recover (release, promote, rollback…). */
  command: string | null;
  /** rollback/abort: the release each server is to end on. */
  targets: Record<string, string>;
  /** The first run of this release (promote/resume runs continue it). */
  firstRun: Extract<ReleaseEvent, { type: 'run-started' }> | null;
  plan: unknown;
  badReleases: string[];
  servers: Map<string, ServerJournalState>;
}

function serverState(state: RunJournalState, name: string): ServerJournalState {
  let s = state.servers.get(name);
  if (!s) {
    s = { server: name, releaseBefore: null, current: null, switchInFlight: null, drained: null, outcome: null, released: false };
    state.servers.set(name, s);
  }
  return s;
}

/** Folds events into the state of the last run they describe. */
export function replay(events: readonly ReleaseEvent[]): RunJournalState {
  const state: RunJournalState = {
    runId: null, release: null, cluster: null, started: false, finished: false, outcome: null, paused: null, command: null, targets: {}, firstRun: null, plan: null, badReleases: [], servers: new Map(),
  };
  let repairing = false;
  for (const event of events) {
    switch (event.type) {
      case 'run-started':
        // NOTE: a recover run repairs; it must not change what the release's own outcome was,
        // or a second recover would pick a different target than the first.
        repairing = event.command === 'recover';
        if (repairing) break;
        // A new release starts afresh; promote/resume/abort runs of the same release continue it.
        if (event.release !== state.release) {
          state.servers = new Map();
          state.firstRun = event;
          state.plan = null;
        }
        state.runId = event.runId;
        state.command = event.command;
        state.targets = event.targets ?? {};
        state.release = event.release;
        state.cluster = event.cluster;
        state.started = true;
        state.finished = false;
        state.paused = null;
        break;
      case 'plan':
        state.plan ??= event.plan;
        break;
      case 'preflight':
        for (const p of event.servers) {
          const s = serverState(state, p.name);
          if (!repairing) s.releaseBefore ??= p.release ?? null;
          s.current = p.release ?? s.current;
        }
        break;
      case 'server-draining':
        serverState(state, event.server).drained = { method: event.method, saved: event.saved };
        break;
      case 'server-restored':
        serverState(state, event.server).drained = null;
        break;
      case 'release-switch': {
        const s = serverState(state, event.server);
        if (event.stage === 'intent') s.switchInFlight = { from: event.from, to: event.to };
        else {
          s.switchInFlight = null;
          s.current = event.to;
        }
        break;
      }
      case 'marked-bad':
        if (!state.badReleases.includes(event.release)) state.badReleases.push(event.release);
        break;
      case 'server-finished': {
        const s = serverState(state, event.server);
        s.outcome = event.outcome;
        s.released = event.outcome === 'released';
        if (event.releaseAfter) s.current = event.releaseAfter;
        break;
      }
      case 'paused':
        state.paused = { reason: event.reason, nextBatch: event.nextBatch };
        break;
      case 'run-finished':
        if (repairing) break;
        state.finished = true;
        state.outcome = event.outcome;
        break;
      default:
        break;
    }
  }
  return state;
}
