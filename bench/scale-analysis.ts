// Pure readings of one scale run (scale.ts): batches, out of the pool against the floor, SSH use
// per server, where a server's time out of the pool went, and the run's wall cut at its events.
import type { EventOf, ReleaseEvent } from '../src/events/types.ts';
import type { SshHostUsage } from '../src/lab/host/ssh-host.ts';
import type { TimelinePoint } from '../src/lab/timeline.ts';
import type { LabTraceData } from '../src/lab/trace.ts';
import { median } from './analyze.ts';
import { directorExecKinds, type ExecKind } from './director-execs.ts';
import { serverFloors, type MissingFloor, type ServerFloor } from './floor.ts';

export interface ScaleInput {
  servers: number;
  batch: number;
  release: { exitCode: number; wallMs: number; startedAt: number; peakRssKiB: number; cpu?: { userS: number; sysS: number }; events: readonly ReleaseEvent[] };
  hosts: readonly { name: string; role: 'director' | 'server'; usage: SshHostUsage }[];
  routingPoints: readonly TimelinePoint[];
  maxOut: number;
  trace: LabTraceData;
  load: { requests: number; ok: number; failures: Record<string, number> };
}

export interface BatchRow {
  index: number;
  size: number;
  /** batch-started → batch-finished. */
  wallMs: number;
  /** The slowest server's time out of the pool (lab view). */
  slowestOutMs: number;
  /** wall − slowest out: what the batch cost beyond its slowest server being out. */
  orchestrationMs: number;
  /** batch-started → the first server out; the last server back → batch-finished (confirming the restore). */
  beforeFirstOutMs: number;
  afterLastBackMs: number;
}

export interface RoleUse {
  hosts: number;
  execs: number;
  sftp: number;
  /** (execs + sftp) / servers in the cluster. */
  perServer: number;
  execsPerServer: number;
  maxChannels: number;
  connections: { min: number; max: number };
}

/** One named piece of a server's time out of the pool (median over the run's servers). */
export interface Segment {
  name: string;
  ms: number;
}

export interface ScaleSummary {
  servers: number;
  batch: number;
  exitCode: number;
  wallMs: number;
  batches: BatchRow[];
  perBatchMedianMs: number;
  orchestrationMedianMs: number;
  floors: ServerFloor[];
  missing: MissingFloor[];
  medians: { outMs: number; floorMs: number; strictFloorMs: number; ratio: number; drainMs: number; restartMs: number; smokeMs: number };
  director: RoleUse;
  server: RoleUse;
  peakRssMiB: number;
  cpuS: number | undefined;
  maxOut: number;
  load: { requests: number; failed: number };
  /** Where a server's time out of the pool went, in order (medians). */
  segments: Segment[];
  /** The release's wall time cut at its events, in order. */
  wall: Segment[];
  directorExecs: ExecKind[];
}

const time = (e: ReleaseEvent) => Date.parse(e.at);

function only<T extends ReleaseEvent['type']>(events: readonly ReleaseEvent[], type: T): EventOf<T>[] {
  return events.filter((e): e is EventOf<T> => e.type === type);
}

function roleUse(hosts: ScaleInput['hosts'], role: 'director' | 'server', servers: number): RoleUse {
  const mine = hosts.filter((h) => h.role === role);
  const sum = (k: keyof SshHostUsage) => mine.reduce((n, h) => n + h.usage[k], 0);
  const conns = mine.map((h) => h.usage.connections);
  return {
    hosts: mine.length,
    execs: sum('execs'),
    sftp: sum('sftp'),
    perServer: (sum('execs') + sum('sftp')) / servers,
    execsPerServer: sum('execs') / servers,
    maxChannels: Math.max(0, ...mine.map((h) => h.usage.maxChannels)),
    connections: { min: Math.min(...conns), max: Math.max(...conns) },
  };
}

/** Each release batch's wall time against its slowest server's time out of the pool (lab view). */
export function batchRows(events: readonly ReleaseEvent[], floors: readonly ServerFloor[]): BatchRow[] {
  const finished = only(events, 'batch-finished');
  return only(events, 'batch-started')
    .filter((s) => s.purpose === 'release')
    .flatMap((s) => {
      const end = finished.find((f) => f.index === s.index && time(f) >= time(s));
      if (!end) return [];
      const mine = floors.filter((f) => s.servers.includes(f.server));
      const wallMs = time(end) - time(s);
      const slowestOutMs = Math.max(0, ...mine.map((f) => f.outMs));
      const firstOut = Math.min(...mine.map((f) => f.outAt));
      const lastBack = Math.max(...mine.map((f) => f.backAt));
      return [
        {
          index: s.index,
          size: s.servers.length,
          wallMs,
          slowestOutMs,
          orchestrationMs: wallMs - slowestOutMs,
          beforeFirstOutMs: mine.length ? firstOut - time(s) : Number.NaN,
          afterLastBackMs: mine.length ? time(end) - lastBack : Number.NaN,
        },
      ];
    });
}

/**
 * One server's time from `server-draining` to `server-restored`, cut at the engine's events and
 * the lab's marks (routing director out/back, app-ctl, first 2xx). Steps are named by label.
 */
export function serverSegments(events: readonly ReleaseEvent[], floor: ServerFloor, trace: LabTraceData): Segment[] | undefined {
  const mine = events.filter((e) => 'server' in e && e.server === floor.server);
  const draining = only(mine, 'server-draining').find((e) => e.purpose === 'release');
  const drained = only(mine, 'server-drained')[0];
  const restored = only(mine, 'server-restored')[0];
  const started = only(mine, 'step-started').filter((e) => e.phase === 'deploy' || e.phase === 'verify');
  const finished = only(mine, 'step-finished').filter((e) => e.phase === 'deploy' || e.phase === 'verify');
  if (!draining || !drained || !restored || started.length === 0 || finished.length !== started.length) return undefined;
  const restart = trace.appCtl.find((c) => c.server === floor.server && c.command === 'restart' && c.from >= floor.outAt && c.from <= floor.backAt);
  const out: Segment[] = [
    { name: 'quiesce (draining → out on the routing director)', ms: floor.outAt - time(draining) },
    { name: 'drain wait (out → server-drained)', ms: time(drained) - floor.outAt },
    { name: 'finish drain (server-drained → first deploy step)', ms: time(started[0] as ReleaseEvent) - time(drained) },
  ];
  let gaps = 0;
  for (const [i, s] of started.entries()) {
    const f = finished.find((x) => x.phase === s.phase && x.step === s.step);
    if (!f) return undefined;
    const inLab = restart && s.phase === 'deploy' && restart.from >= time(s) && restart.to <= time(f) ? restart.to - restart.from : undefined;
    if (inLab !== undefined) {
      out.push({ name: `${s.phase}: ${s.label} (app-ctl in the lab)`, ms: inLab });
      out.push({ name: `${s.phase}: ${s.label} (exec around it)`, ms: f.durationMs - inLab });
    } else out.push({ name: `${s.phase}: ${s.label}`, ms: f.durationMs });
    const next = started[i + 1];
    if (next) gaps += time(next) - time(f);
  }
  out.push({ name: 'between steps', ms: gaps });
  const last = finished.at(-1) as EventOf<'step-finished'>;
  out.push({ name: 'restore (last verify step → back on the routing director)', ms: floor.backAt - time(last) });
  out.push({ name: 'confirm restore (back → server-restored)', ms: time(restored) - floor.backAt });
  return out;
}

/** The median of each segment over the servers that have it, in the order names first appear. */
export function medianSegments(lists: readonly Segment[][]): Segment[] {
  const byName = new Map<string, number[]>();
  for (const list of lists) {
    for (const seg of list) {
      const values = byName.get(seg.name) ?? [];
      values.push(seg.ms);
      byName.set(seg.name, values);
    }
  }
  return [...byName].map(([name, values]) => ({ name, ms: median(values) }));
}

/** The release's wall time cut at the first exec any lab host saw, run-started, the batches, run-finished. */
export function wallSegments(events: readonly ReleaseEvent[], startedAt: number, wallMs: number, firstExecAt: number | undefined): Segment[] {
  const runStarted = only(events, 'run-started')[0];
  const runFinished = only(events, 'run-finished')[0];
  const batches = only(events, 'batch-started').filter((b) => b.purpose === 'release');
  const ends = only(events, 'batch-finished');
  if (!runStarted || !runFinished || batches.length === 0) return [];
  const endOf = (b: EventOf<'batch-started'>) => ends.find((f) => f.index === b.index && time(f) >= time(b));
  let inBatches = 0;
  let between = 0;
  for (const [i, b] of batches.entries()) {
    const end = endOf(b);
    if (!end) return [];
    inBatches += time(end) - time(b);
    const next = batches[i + 1];
    if (next) between += time(next) - time(end);
  }
  const lastEnd = endOf(batches.at(-1) as EventOf<'batch-started'>) as ReleaseEvent;
  const firstExec = firstExecAt ?? time(runStarted);
  return [
    { name: 'spawn → first exec on a lab host (node, modules, config, SSH to every host)', ms: firstExec - startedAt },
    { name: 'first exec → run-started (lock, tables, preflight, journal)', ms: time(runStarted) - firstExec },
    { name: 'run-started → first batch (plan, the first prepare)', ms: time(batches[0] as ReleaseEvent) - time(runStarted) },
    { name: 'in batches', ms: inBatches },
    { name: 'between batches (waiting for the next prepare)', ms: between },
    { name: 'last batch → run-finished', ms: time(runFinished) - time(lastEnd) },
    { name: 'run-finished → exit', ms: startedAt + wallMs - time(runFinished) },
  ];
}

/** Everything the bench prints about one run, from what was observed. */
export function summarizeScale(input: ScaleInput): ScaleSummary {
  const names = input.hosts.filter((h) => h.role === 'server').map((h) => h.name);
  const directors = input.hosts.filter((h) => h.role === 'director').map((h) => h.name);
  const firstExecAt = input.trace.execs.length > 0 ? Math.min(...input.trace.execs.map((e) => e.from)) : undefined;
  const { floors, missing } = serverFloors({ servers: names, points: input.routingPoints, trace: input.trace, since: input.release.startedAt });
  const batches = batchRows(input.release.events, floors);
  const segmentLists = floors.map((f) => serverSegments(input.release.events, f, input.trace)).filter((l) => l !== undefined);
  const failed = Object.values(input.load.failures).reduce((a, b) => a + b, 0);
  const m = (pick: (f: ServerFloor) => number) => median(floors.map(pick));
  return {
    servers: input.servers,
    batch: input.batch,
    exitCode: input.release.exitCode,
    wallMs: input.release.wallMs,
    batches,
    perBatchMedianMs: median(batches.map((b) => b.wallMs)),
    orchestrationMedianMs: median(batches.map((b) => b.orchestrationMs)),
    floors,
    missing,
    medians: {
      outMs: m((f) => f.outMs),
      floorMs: m((f) => f.floorMs),
      strictFloorMs: m((f) => f.strictFloorMs),
      ratio: m((f) => f.ratio),
      drainMs: m((f) => f.drainMs),
      restartMs: m((f) => f.restartMs),
      smokeMs: m((f) => f.smokeMs),
    },
    director: roleUse(input.hosts, 'director', input.servers),
    server: roleUse(input.hosts, 'server', input.servers),
    peakRssMiB: input.release.peakRssKiB / 1024,
    cpuS: input.release.cpu ? input.release.cpu.userS + input.release.cpu.sysS : undefined,
    maxOut: input.maxOut,
    load: { requests: input.load.requests, failed },
    segments: medianSegments(segmentLists),
    wall: wallSegments(input.release.events, input.release.startedAt, input.release.wallMs, firstExecAt),
    directorExecs: directorExecKinds(input.trace.execs, directors),
  };
}
