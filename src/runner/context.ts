// What every cluster-changing command shares: sessions to every host, a preflight read of the
// real state, the drain driver and the flow context. Built once per run.
import { hostname, userInfo } from 'node:os';
import type { Cluster, Pipeline } from '../config/types.ts';
import type { Clock } from '../core/clock.ts';
import { ReleaseError } from '../core/errors.ts';
import { createPhaseRunner } from '../deploy/phase.ts';
import type { EventInput, ReleaseEvent } from '../events/types.ts';
import { simulateTables } from '../lb/apply.ts';
import { readAllTables, type DirectorHandle } from '../lb/directors.ts';
import { DRIVERS } from '../lb/methods.ts';
import type { LbContext } from '../lb/types.ts';
import type { HostSession } from '../transport/types.ts';
import { poolServerOf, runPreflight, savedSlotsOf, type Preflight } from './preflight.ts';
import type { FlowContext, RunServer } from './types.ts';
import { acquireLock, describeOwner, newLockOwner, readLockHolders, startHeartbeat, type HeldLock, type LockOwner } from '../lock/lock.ts';
import { loadJournalState, owedRefusal, type LoadedJournal } from './journal-state.ts';

export interface ContextDeps {
  /** Opens one session per host; throws a ReleaseError when any host fails (nothing changed yet). */
  openSessions(signal: AbortSignal): Promise<Map<string, HostSession>>;
  emit(event: ReleaseEvent): void;
  clock: Clock;
  /** Aborted on the first interrupt. */
  stop: AbortSignal;
  /** Break a stale cluster lock (recorded). */
  breakLock?: boolean;
  /** A lock holder known to be gone (same host, dead pid) counts as stale at once. */
  isLockHolderGone?: (owner: Partial<LockOwner> | null) => boolean;
  /** This machine's journal so far (default: read from `<journal.dir>/<cluster>.journal.ndjson`). */
  journalEvents?: () => readonly ReleaseEvent[];
  ciJob?: string;
}

export interface RunContext {
  runId: string;
  emit: (event: EventInput) => void;
  preflight: Preflight;
  servers: Map<string, RunServer>;
  flow: FlowContext;
  /** What the journal (or the directors' copy) says, read once the lock was held. */
  journal: LoadedJournal;
  /** Releases the cluster lock and stops its heartbeat; call once, at the end. */
  close(): Promise<void>;
}

const NEVER = new AbortController().signal;

export function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export function whoAmI(): { user: string; host: string; pid: number } {
  return { user: safeUser(), host: hostname(), pid: process.pid };
}

/** Connects, reads the state, and builds the flow context. Refuses (exit 3) on preflight problems. */
export async function openRunContext(input: {
  runId: string;
  cluster: Cluster;
  pipeline: Pipeline;
  release: string;
  artifact?: string;
  dryRun: boolean;
  /** Which command takes the lock (recorded as its holder). */
  command?: LockOwner['command'];
  /** What each server ran before this release, when the journal knows better than `current`. */
  releasesBefore?: ReadonlyMap<string, string | null>;
  deps: ContextDeps;
}): Promise<RunContext> {
  const { cluster, pipeline, deps, runId } = input;
  const emit = (event: EventInput) => deps.emit({ ...event, at: deps.clock.now().toISOString(), runId } as ReleaseEvent);
  const sessions = await deps.openSessions(deps.stop);
  const session = (name: string): HostSession => {
    const s = sessions.get(name);
    if (!s) throw new ReleaseError('INTERNAL', `no SSH session for ${name}`);
    return s;
  };
  const directors: DirectorHandle[] = cluster.directors.map((d) => ({ name: d.name, session: session(d.name) }));
  const sudo = cluster.directors.some((d) => d.ssh.sudo);
  // One run per cluster: the lock is taken on every director before anything is read or changed.
  let lock: HeldLock | undefined;
  let stopHeartbeat = () => {};
  if (!input.dryRun) {
    lock = await acquireLock({
      directors,
      settings: cluster.lock,
      owner: newLockOwner({ cluster: cluster.name, command: input.command ?? 'release', ...whoAmI(), ...(deps.ciJob ? { ciJob: deps.ciJob } : {}), startedAt: deps.clock.now().toISOString() }),
      breakStale: deps.breakLock ?? false,
      ...(deps.isLockHolderGone ? { isHolderGone: deps.isLockHolderGone } : {}),
      // recover is the command for the moment after a crash: a holder that provably died needs no --break-lock.
      takeOverGone: input.command === 'recover',
      signal: deps.stop,
    });
    stopHeartbeat = startHeartbeat(directors, cluster.lock, lock.owner);
    for (const b of lock.broken) {
      const age = Math.round(b.heartbeatAgeMs / 1000);
      emit(
        b.reason === 'holder-gone'
          ? { type: 'warning', code: 'LOCK_TAKEN_OVER', director: b.director, message: `took over the lock held by ${describeOwner(b.owner)} (heartbeat ${age}s old): that process is gone from this host` }
          : { type: 'warning', code: 'LOCK_BROKEN', director: b.director, message: `broke a stale lock held by ${describeOwner(b.owner)} (heartbeat ${age}s old), as asked with --break-lock` },
      );
    }
  }
  if (input.dryRun) {
    for (const held of await readLockHolders(directors, cluster.lock, deps.stop)) {
      emit({ type: 'warning', code: 'LOCK_HELD', director: held.director, message: `the cluster lock is held by ${describeOwner(held.owner)} (heartbeat ${Math.round(held.heartbeatAgeMs / 1000)}s ago): a real run would be refused now` });
    }
  }
  const close = async () => {
    stopHeartbeat();
    await lock?.release();
    lock = undefined;
  };
  try {
  const preflight = await runPreflight({
    cluster,
    pipeline,
    directors,
    servers: cluster.realServers.map((s) => ({ name: s.name, session: session(s.name), root: s.app.root })),
    sudo,
    keepalivedManaged: new Set(cluster.directors.filter((d) => d.keepalived).map((d) => d.name)),
    signal: deps.stop,
  });
  if (preflight.pool.problems.length > 0) {
    throw new ReleaseError('PREFLIGHT_FAILED', `Preflight failed: ${preflight.pool.problems.join('; ')}.`, {
      hint: 'Every configured service must exist on every director; fix the tables or the cluster file. Nothing was changed.',
    });
  }
  // Servers a run left drained are owed their weights before anything else runs: only recover
  // may start (it puts them back). Refused here, nothing is recorded, so nothing recover needs changes.
  const journal = await loadJournalState({ cluster, directors, ...(deps.journalEvents ? { events: deps.journalEvents } : {}), signal: deps.stop });
  const owed = input.command === 'recover' ? undefined : owedRefusal(journal);
  if (owed) throw owed;
  const servers = new Map<string, RunServer>(
    cluster.realServers.map((config) => [
      config.name,
      {
        ...poolServerOf(config),
        config,
        session: session(config.name),
        ...(config.app.healthFile ? { healthFile: config.app.healthFile } : {}),
        releaseBefore: input.releasesBefore?.has(config.name)
          ? (input.releasesBefore.get(config.name) ?? null)
          : (preflight.releases.get(config.name) ?? null),
      },
    ]),
  );
  // Dry run: the tables as they would be after the reported changes, so the walk goes on.
  const overrides: Parameters<typeof simulateTables>[1][number][] = [];
  const readTables = async (signal: AbortSignal) => {
    const real = await readAllTables(directors, { sudo, timeoutMs: pipeline.stepTimeoutMs, signal });
    return input.dryRun ? simulateTables(real, overrides) : real;
  };
  const persistentConn = preflight.pool.servers.some((s) => s.slots.some((slot) => slot.persistent !== undefined));
  const readCounters = async (signal: AbortSignal) => {
    const real = await readAllTables(directors, { sudo, timeoutMs: pipeline.stepTimeoutMs, signal, thresholds: false, persistentConn });
    return input.dryRun ? simulateTables(real, overrides) : real;
  };
  const lb: LbContext = {
    directors,
    services: cluster.services.map((s) => s.key),
    sudo,
    commandTimeoutMs: pipeline.stepTimeoutMs,
    // keepalived needs its check cycle to notice a health file; plain ipvsadm answers at once.
    confirmTimeoutMs: pipeline.drain.method === 'healthfile' ? Math.max(pipeline.drain.timeoutMs, 60_000) : 30_000,
    pollMs: Math.min(pipeline.drain.pollMs, 500),
    connectionSource: pipeline.drain.connections,
    ...(pipeline.drain.ramp ? { ramp: pipeline.drain.ramp } : {}),
    emit,
    clock: deps.clock,
    signal: deps.stop,
    readTables,
    readCounters,
    ...(input.dryRun ? { dryRun: true, onApplied: (server, slot, weight) => overrides.push({ server, slot, weight }) } : {}),
  };
  const flow: FlowContext = {
    release: input.release,
    driver: DRIVERS[pipeline.drain.method],
    lb,
    runPhase: createPhaseRunner({ cluster, pipeline, ...(input.artifact ? { artifact: input.artifact } : {}), emit, clock: deps.clock, dryRun: input.dryRun }),
    savedSlots: (server) => savedSlotsOf(preflight.pool, server.name),
    drain: pipeline.drain,
    emit,
    clock: deps.clock,
    stop: deps.stop,
    never: NEVER,
    dryRun: input.dryRun,
  };
  return { runId, emit, preflight, servers, flow, journal, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The preflight event: every server's pool state and release. */
export function preflightEvent(preflight: Preflight): EventInput {
  return {
    type: 'preflight',
    servers: preflight.pool.servers.map((s) => ({
      name: s.server,
      inPool: s.inPool,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(preflight.releases.get(s.server) ? { release: preflight.releases.get(s.server) as string } : {}),
    })),
  };
}
