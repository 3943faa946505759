// Pure: each server's time out of the pool against its physical floor, from the lab's own view
// (the routing director's timeline and the lab's trace), never from the release's events.
//
// out of the pool: the routing director's table first shows the server out (quiesced: weight 0)
//   → the first later change that shows it back in (re-added with its weight).
// floor = drain + restart + smoke, where
//   drain:   quiesce → the last flow of that server through the VIP ended (0 if none was open);
//   restart: `app-ctl restart` reaching the lab → the new instance listening;
//   smoke:   the new instance listening → its first 2xx answer sent (the verify check's first pass:
//            while the server is out, nothing else reaches it). This includes the release noticing
//            that `app-ctl restart` returned and any verify step before the HTTP check; the strict
//            floor counts only the passing request's own time instead.
// What is left (out − floor) is the orchestration's: noticing the drain, the delete, the switch
// step, the exec round trips, the restore and its confirmation.
import type { TimelinePoint } from '../src/lab/timeline.ts';
import type { LabTraceData } from '../src/lab/trace.ts';

export interface ServerFloor {
  server: string;
  /** Epoch ms on the routing director. */
  outAt: number;
  backAt: number;
  outMs: number;
  drainMs: number;
  restartMs: number;
  smokeMs: number;
  floorMs: number;
  /** drain + restart + the passing request's own time (arrival → answer): no exec of the verify
   * phase in it, what a check sent the instant the app listened would have cost. */
  strictFloorMs: number;
  /** outMs / floorMs. */
  ratio: number;
  /** Last flow ended → app-ctl restart reached the lab: confirming the drain, delete, switch step. */
  toRestartMs: number;
  /** First 2xx sent → back in the pool: the check's answer reaching the release, the restore. */
  toBackMs: number;
}

/** Why a server has no floor: which piece of the lab's record is missing. */
export interface MissingFloor {
  server: string;
  missing: string;
}

// The first [out, back) interval of `server` on these points (one director's, in time order) from `since`.
function outInterval(points: readonly TimelinePoint[], server: string, since: number): { outAt: number; backAt: number } | undefined {
  let outAt: number | undefined;
  for (const p of points) {
    if (p.at < since) continue;
    const out = p.outServers.includes(server);
    if (outAt === undefined && out) outAt = p.at;
    else if (outAt !== undefined && !out) return { outAt, backAt: p.at };
  }
  return undefined;
}

/** When the server's last flow ended at or after `from` (`from` itself when none was open then). */
export function drainedAt(edges: LabTraceData['flowEdges'], server: string, from: number): number | undefined {
  let openAtFrom = false;
  for (const e of edges) {
    if (e.server !== server) continue;
    if (e.at <= from) openAtFrom = e.open === 1;
    else if (!openAtFrom) return from;
    else if (e.open === 0) return e.at;
  }
  return openAtFrom ? undefined : from;
}

/** Per server, its first out-of-pool interval since `since` on the routing director's points. */
export function serverFloors(input: {
  servers: readonly string[];
  /** The routing director's timeline points, in time order. */
  points: readonly TimelinePoint[];
  trace: LabTraceData;
  since: number;
}): { floors: ServerFloor[]; missing: MissingFloor[] } {
  const { trace } = input;
  const floors: ServerFloor[] = [];
  const missing: MissingFloor[] = [];
  for (const server of input.servers) {
    const interval = outInterval(input.points, server, input.since);
    if (!interval) {
      missing.push({ server, missing: 'an out-of-pool interval on the routing director' });
      continue;
    }
    const { outAt, backAt } = interval;
    const drained = drainedAt(trace.flowEdges, server, outAt);
    const restart = trace.appCtl.find((c) => c.server === server && c.command === 'restart' && c.from >= outAt && c.from <= backAt);
    const up = restart ? trace.appStarts.find((s) => s.server === server && s.at >= restart.from) : undefined;
    const ok = up ? trace.firstOk.find((f) => f.id === up.id) : undefined;
    const gap =
      drained === undefined
        ? 'the end of its last flow'
        : !restart
          ? 'an app-ctl restart while out'
          : !up
            ? 'the new instance starting'
            : !ok
              ? 'a 2xx from the new instance'
              : undefined;
    if (gap || drained === undefined || !restart || !up || !ok) {
      missing.push({ server, missing: gap ?? 'a piece of the trace' });
      continue;
    }
    const drainMs = drained - outAt;
    const restartMs = up.at - restart.from;
    const smokeMs = ok.at - up.at;
    const floorMs = drainMs + restartMs + smokeMs;
    const outMs = backAt - outAt;
    floors.push({
      server,
      outAt,
      backAt,
      outMs,
      drainMs,
      restartMs,
      smokeMs,
      floorMs,
      strictFloorMs: drainMs + restartMs + (ok.at - ok.arrivedAt),
      ratio: floorMs > 0 ? outMs / floorMs : Number.NaN,
      toRestartMs: restart.from - drained,
      toBackMs: backAt - ok.at,
    });
  }
  return { floors, missing };
}
