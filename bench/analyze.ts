// Pure readings of a run's events: each batch's wall time split into the pipeline's waits and
// steps and the engine's own remainder, and each server's time out of the pool.
import type { EventOf, ReleaseEvent } from '../src/events/types.ts';

export interface BatchTiming {
  index: number;
  servers: string[];
  /** batch-started → batch-finished. */
  wallMs: number;
  /** server-draining → server-drained: quiesce commands, their confirmation and the wait loop. */
  drainPhaseMs: number;
  /** The wait loop alone, as the engine timed it (server-drained.drainMs). */
  waitLoopMs: number;
  /** Sum of the server's non-prepare step durations inside the batch. */
  stepsMs: number;
  /** wall − drain phase − steps: what the brief calls the engine's overhead. */
  overheadMs: number;
  /** overhead + (drain phase − wait loop): also counting quiesce/confirm as engine work. */
  overheadWithDrainActionsMs: number;
  /** Where the slowest server's batch time went, in order; the parts add up to wallMs. */
  segments: Segments;
}

/** A server's batch, cut at its events. Engine-only parts: all but waitLoopMs and stepsMs. */
export interface Segments {
  /** batch-started → server-draining. */
  toDrainingMs: number;
  /** server-draining → server-drained, less the wait loop: reading tables, quiescing, confirming. */
  drainActionsMs: number;
  waitLoopMs: number;
  /** server-drained → first deploy step: finishing the drain (delete) and confirming. */
  finishDrainMs: number;
  /** deploy + verify + cleanup step durations. */
  stepsMs: number;
  /** First deploy step start → last verify step end, less those steps' durations. */
  betweenStepsMs: number;
  /** Last verify step end → server-restored: re-adding on every director and confirming. */
  restoreMs: number;
  /** server-restored → batch-finished, less the cleanup steps. */
  afterRestoreMs: number;
}

export interface OutOfPool {
  server: string;
  /** server-draining → server-restored, from the event timestamps. */
  ms: number;
  /** server-restored.outOfPoolMs as the engine computed it. */
  engineMs: number;
}

const time = (e: ReleaseEvent) => Date.parse(e.at);

function only<T extends ReleaseEvent['type']>(events: readonly ReleaseEvent[], type: T): EventOf<T>[] {
  return events.filter((e): e is EventOf<T> => e.type === type);
}

/** Per release batch; for a batch of several servers the slowest server's waits+steps count. */
export function batchTimings(events: readonly ReleaseEvent[]): BatchTiming[] {
  const finished = only(events, 'batch-finished');
  const out: BatchTiming[] = [];
  for (const started of only(events, 'batch-started')) {
    if (started.purpose !== 'release') continue;
    const t0 = time(started);
    const end = finished.find((f) => f.index === started.index && time(f) >= t0);
    if (!end) continue;
    const t1 = time(end);
    const inBatch = (e: ReleaseEvent) => time(e) >= t0 && time(e) <= t1;
    const perServer = started.servers.map((server) =>
      serverSegments(
        events.filter((e) => 'server' in e && e.server === server && inBatch(e)),
        t0,
        t1,
      ),
    );
    const slowest = perServer.reduce((a, b) => (b.drainPhaseMs + b.segments.stepsMs > a.drainPhaseMs + a.segments.stepsMs ? b : a));
    const wallMs = t1 - t0;
    const overheadMs = wallMs - slowest.drainPhaseMs - slowest.segments.stepsMs;
    out.push({
      index: started.index,
      servers: started.servers,
      wallMs,
      drainPhaseMs: slowest.drainPhaseMs,
      waitLoopMs: slowest.segments.waitLoopMs,
      stepsMs: slowest.segments.stepsMs,
      overheadMs,
      overheadWithDrainActionsMs: overheadMs + slowest.drainPhaseMs - slowest.segments.waitLoopMs,
      segments: slowest.segments,
    });
  }
  return out;
}

// One server's events inside its batch [t0, t1], cut into Segments (missing events count as 0).
function serverSegments(events: readonly ReleaseEvent[], t0: number, t1: number): { drainPhaseMs: number; segments: Segments } {
  const draining = only(events, 'server-draining')[0];
  const drained = only(events, 'server-drained')[0];
  const restored = only(events, 'server-restored')[0];
  const steps = only(events, 'step-finished').filter((e) => e.phase !== 'prepare');
  const inPool = steps.filter((e) => e.phase === 'cleanup');
  const drainedSteps = steps.filter((e) => e.phase !== 'cleanup');
  const firstStart = only(events, 'step-started').find((e) => e.phase === 'deploy');
  const lastDrainedStep = drainedSteps.at(-1);
  const sum = (list: readonly EventOf<'step-finished'>[]) => list.reduce((total, e) => total + e.durationMs, 0);
  const tDraining = draining ? time(draining) : t0;
  const tDrained = drained ? time(drained) : tDraining;
  const tFirst = firstStart ? time(firstStart) : tDrained;
  const tLast = lastDrainedStep ? time(lastDrainedStep) : tFirst;
  const tRestored = restored ? time(restored) : tLast;
  const waitLoopMs = drained?.drainMs ?? 0;
  return {
    drainPhaseMs: tDrained - tDraining,
    segments: {
      toDrainingMs: tDraining - t0,
      drainActionsMs: tDrained - tDraining - waitLoopMs,
      waitLoopMs,
      finishDrainMs: tFirst - tDrained,
      stepsMs: sum(steps),
      betweenStepsMs: tLast - tFirst - sum(drainedSteps),
      restoreMs: tRestored - tLast,
      afterRestoreMs: t1 - tRestored - sum(inPool),
    },
  };
}

export function outOfPool(events: readonly ReleaseEvent[]): OutOfPool[] {
  const restoredEvents = only(events, 'server-restored');
  return only(events, 'server-draining')
    .filter((d) => d.purpose === 'release')
    .flatMap((draining) => {
      const restored = restoredEvents.find((r) => r.server === draining.server && time(r) >= time(draining));
      return restored ? [{ server: draining.server, ms: time(restored) - time(draining), engineMs: restored.outOfPoolMs }] : [];
    });
}

/** Each release batch's window, for attributing other observations (ipvsadm calls) to it. */
export function batchWindows(events: readonly ReleaseEvent[]): { servers: string[]; from: number; to: number }[] {
  const finished = only(events, 'batch-finished');
  return only(events, 'batch-started')
    .filter((s) => s.purpose === 'release')
    .flatMap((s) => {
      const end = finished.find((f) => f.index === s.index && time(f) >= time(s));
      return end ? [{ servers: s.servers, from: time(s), to: time(end) }] : [];
    });
}

/** Total step time of one phase, per server (e.g. how long prepare took). */
export function phaseMs(events: readonly ReleaseEvent[], phase: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of only(events, 'step-finished')) if (e.phase === phase) out[e.server] = (out[e.server] ?? 0) + e.durationMs;
  return out;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
