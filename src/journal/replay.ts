// Pure: the state of every server from a run's events. `status`, `resume`, `recover`,
// `promote` and `abort` start from this.
import type { ReleaseEvent, SavedSlotRecord, ServerOutcome } from '../events/types.ts';
import type { Plan } from '../plan/types.ts';

/** A server out of the pool by our hand: owed its weights back, whatever runs come after. */
export interface DrainedRecord {
  method: string;
  /** What restore puts back: read before the first drain, kept until the server is restored. */
  saved: SavedSlotRecord[];
  /** The run that drained it first, and that run's release (absent in copies from older versions). */
  runId?: string;
  release?: string | null;
  /** The release recover puts it on, decided by that run (absent in copies from older versions). */
  target?: string | null;
}

export interface ServerJournalState {
  server: string;
  /** Release before this run touched it (first recorded). */
  releaseBefore: string | null;
  /** Release `current` points to, as far as the journal knows. */
  current: string | null;
  /** A switch was started but not confirmed: `current` may be either. */
  switchInFlight: { from: string | null; to: string } | null;
  /** Out of the pool by our hand, with what to restore; null when in the pool. */
  drained: DrainedRecord | null;
  outcome: ServerOutcome | null;
  /** Finished its release (new code verified and back in the pool). */
  released: boolean;
}

/** Where a run stopped to be continued (`promote`/`abort` a canary, `resume`), and who stopped it.
 * Every field beyond `reason` and `nextBatch` is absent in journals and copies of older versions. */
export interface PausedRun {
  reason: string;
  nextBatch: number;
  /** The run that paused, when, and the command that continues it. */
  runId?: string;
  at?: string;
  resumeWith?: string;
  /** The CI job that paused it and its page (from the paused event, else that run's run-started). */
  ciJob?: string;
  ciJobUrl?: string;
}

export interface RunJournalState {
  runId: string | null;
  release: string | null;
  cluster: string | null;
  started: boolean;
  finished: boolean;
  outcome: string | null;
  paused: PausedRun | null;
  /** The command of the last run that was not a recover (release, promote, rollback…). */
  command: string | null;
  /** rollback/abort: the release each server is to end on. */
  targets: Record<string, string>;
  /** The first run of this release (promote/resume runs continue it). */
  firstRun: Extract<ReleaseEvent, { type: 'run-started' }> | null;
  plan: Plan | null;
  /** The pipeline's run-once `before` that finished for this release (absent in older copies). */
  before?: { runId: string; at: string; on: string } | null;
  badReleases: string[];
  servers: Map<string, ServerJournalState>;
  /** When the state last changed (the `at` of the last event that changed it); null: never. */
  updatedAt?: string | null;
}

/** Events that change the state (and so the copy on the directors). */
export const STATE_EVENTS: readonly ReleaseEvent['type'][] = [
  'run-started',
  'preflight',
  'plan',
  'server-draining',
  'server-restored',
  'release-switch',
  'server-finished',
  'marked-bad',
  'paused',
  'run-finished',
  'once-finished',
];

/** Events that show a run changed something: a run refused without any of them changed nothing. */
const CHANGE_EVENTS: readonly ReleaseEvent['type'][] = [
  'batch-started',
  'step-started',
  'upload-progress',
  'director-action',
  'server-draining',
  'release-switch',
  'server-restored',
  'server-finished',
  'paused',
];

export function emptyState(): RunJournalState {
  return {
    runId: null,
    release: null,
    cluster: null,
    started: false,
    finished: false,
    outcome: null,
    paused: null,
    command: null,
    targets: {},
    firstRun: null,
    plan: null,
    badReleases: [],
    servers: new Map(),
    updatedAt: null,
  };
}

function serverState(state: RunJournalState, name: string): ServerJournalState {
  let s = state.servers.get(name);
  if (!s) {
    s = { server: name, releaseBefore: null, current: null, switchInFlight: null, drained: null, outcome: null, released: false };
    state.servers.set(name, s);
  }
  return s;
}

function cloneState(state: RunJournalState): RunJournalState {
  return structuredClone(state);
}

/** Servers still owed their weights (drained by a run, not yet restored), whatever ran since. */
export function owedServers(state: RunJournalState): ServerJournalState[] {
  return [...state.servers.values()].filter((s) => s.drained !== null);
}

/**
 * Which release a server should end on, from the run it belongs to. A rollback or abort is
 * finished: every server goes to its recorded target. A release that completed keeps the new
 * release; a paused canary keeps it on the servers it reached; anything else (a crash, a failure)
 * goes back to what ran before. A server owed by an earlier run keeps that run's decision.
 */
export function recoveryTarget(state: RunJournalState, server: string): string | null {
  const s = state.servers.get(server);
  if (s?.drained && s.drained.target !== undefined) return s.drained.target;
  return targetByLastRun(state, s, server);
}

function targetByLastRun(state: RunJournalState, s: ServerJournalState | undefined, server: string): string | null {
  if (state.command === 'rollback' || state.command === 'abort') return state.targets[server] ?? s?.current ?? null;
  if (!s) return null;
  if (state.finished && state.outcome === 'released') return state.release;
  if (state.paused?.reason === 'canary' && s.released) return state.release;
  return s.releaseBefore ?? s.current;
}

/** A new release starts afresh, except for the servers earlier runs still owe. */
function carryOwed(state: RunJournalState): Map<string, ServerJournalState> {
  return new Map(
    owedServers(state).map((s) => [
      s.server,
      { server: s.server, releaseBefore: null, current: s.current, switchInFlight: s.switchInFlight, drained: s.drained, outcome: null, released: false },
    ]),
  );
}

/** Folds events into the state of the last run they describe, and of every server still owed. */
export function replay(events: readonly ReleaseEvent[]): RunJournalState {
  let state = emptyState();
  let repairing = false;
  // The state before the current run, while that run has changed nothing: a run refused at its
  // preflight or plan must change nothing that recover needs (or the crash before it is forgotten).
  let untouched: RunJournalState | null = null;
  // The run-started of the run being folded: who started the run that pauses.
  let current: Extract<ReleaseEvent, { type: 'run-started' }> | null = null;
  for (const event of events) {
    if (untouched && CHANGE_EVENTS.includes(event.type)) untouched = null;
    switch (event.type) {
      case 'run-started':
        // NOTE: a recover run repairs; it must not change what the release's own outcome was,
        // or a second recover would pick a different target than the first.
        repairing = event.command === 'recover';
        untouched = null;
        current = event;
        // The run started from the copy on the directors (another machine ran last: a recover, or a
        // promote/abort/resume on another CI runner): from here on that is this journal's state too,
        // so the copy this machine writes keeps what it owes and what the run continues.
        if (event.adopted) state = adopt(state, event.adopted.state as SerializedState);
        if (repairing) break;
        untouched = cloneState(state);
        // A new release starts afresh; promote/resume/abort runs of the same release continue it.
        if (event.release !== state.release) {
          state.servers = carryOwed(state);
          // NOTE: without what it adopted (a rollback-to from another machine's copy): the copy
          // carries firstRun, and must not carry the state before it, nested once per machine.
          const { adopted: _adopted, ...first } = event;
          state.firstRun = first;
          state.plan = null;
          state.before = null;
        }
        state.runId = event.runId;
        state.command = event.command;
        state.targets = event.targets ?? {};
        state.release = event.release;
        state.cluster = event.cluster;
        state.started = true;
        state.finished = false;
        state.outcome = null;
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
      case 'server-draining': {
        const s = serverState(state, event.server);
        // NOTE: drained again while owed (recover repairing it): keep the first saved weights and
        // where it came from; a second read of the tables would save weight 0.
        s.drained = s.drained
          ? { ...s.drained, method: event.method }
          : { method: event.method, saved: event.saved, runId: event.runId, release: state.release, target: targetByLastRun(state, s, event.server) };
        break;
      }
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
        state.paused = pausedRun(event, current);
        break;
      case 'once-finished':
        // Kept in the copy on the directors: a promote on another machine must not run it again.
        if (event.phase === 'before' && event.ok && event.release === state.release) state.before ??= { runId: event.runId, at: event.at, on: event.on };
        break;
      case 'run-finished':
        if (repairing) break;
        if (event.outcome === 'refused' && untouched) {
          // Refused before changing anything: as if it never ran (what it marked bad stays bad).
          const bad = state.badReleases;
          state = untouched;
          for (const r of bad) if (!state.badReleases.includes(r)) state.badReleases.push(r);
          untouched = null;
          continue;
        }
        state.finished = true;
        state.outcome = event.outcome;
        break;
      default:
        break;
    }
    if (STATE_EVENTS.includes(event.type)) state.updatedAt = event.at;
  }
  return state;
}

/** The paused state from its event; the CI job from the event, else from the run that paused. */
function pausedRun(event: Extract<ReleaseEvent, { type: 'paused' }>, started: Extract<ReleaseEvent, { type: 'run-started' }> | null): PausedRun {
  const ciJob = event.ciJob ?? started?.ciJob;
  const ciJobUrl = event.ciJobUrl ?? started?.ciJobUrl;
  return {
    reason: event.reason,
    nextBatch: event.nextBatch,
    runId: event.runId,
    at: event.at,
    resumeWith: event.resumeWith,
    ...(ciJob ? { ciJob } : {}),
    ...(ciJobUrl ? { ciJobUrl } : {}),
  };
}

function adopt(state: RunJournalState, data: SerializedState): RunJournalState {
  const adopted = deserializeState(structuredClone(data));
  return { ...adopted, badReleases: [...new Set([...state.badReleases, ...adopted.badReleases])] };
}

/** The state as JSON-safe data (the copy on the directors, a recover's `adopted`). */
export type SerializedState = Omit<RunJournalState, 'servers'> & { servers: ServerJournalState[] };

export function serializeState(state: RunJournalState): SerializedState {
  return { ...state, servers: [...state.servers.values()] };
}

export function deserializeState(data: SerializedState): RunJournalState {
  return { ...emptyState(), ...data, servers: new Map(data.servers.map((s) => [s.server, s])) };
}
