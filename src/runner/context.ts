// What every cluster-changing command shares: sessions to every host, the cluster lock, a
// preflight read of the real state, and the flow context with its ports. Built once per run.
import { hostname, userInfo } from 'node:os';
import type { Cluster, Pipeline } from '../config/types.ts';
import type { Clock } from '../core/clock.ts';
import { ReleaseError } from '../core/errors.ts';
import { createPhaseRunner } from '../deploy/phase.ts';
import type { EventInput, ReleaseEvent } from '../events/types.ts';
import { createConnectionCounter } from '../lb/connections.ts';
import { createDirectorTables } from '../lb/director-tables.ts';
import type { DirectorHandle } from '../lb/directors.ts';
import { DRIVERS } from '../lb/methods.ts';
import type { LockOwner } from '../lock/lock.ts';
import { createHostChecks } from '../hosts/flow-checks.ts';
import { runHttpCheck } from '../smoke/http.ts';
import type { HostSession } from '../transport/types.ts';
import { createClusterLock } from './cluster-lock.ts';
import type { RunKind } from './exit-status.ts';
import { loadJournalState, owedRefusal, type LoadedJournal } from './journal-state.ts';
import { poolServerOf, runPreflight, savedSlotsOf, type Preflight } from './preflight.ts';
import { LIVE, type RunSeams } from './seams.ts';
import type { FlowContext, RunServer } from './types.ts';

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
  /** The CI job's page (recorded in run-started and a pause). */
  ciJobUrl?: string;
  /** Refuses the run once the journal is read under the lock (promote/abort: the paused run they continue is still the last). */
  expectJournal?: (journal: LoadedJournal) => ReleaseError | undefined;
  /** How the run reaches the world: LIVE (default), or a dry run's decorators. */
  seams?: RunSeams;
  /** Called for every exec sent to a director by the tables' reader (benchmarks count them). */
  onDirectorExec?: (director: string) => void;
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

export interface RunContextInput {
  runId: string;
  kind: RunKind;
  cluster: Cluster;
  pipeline: Pipeline;
  release: string;
  artifact?: string;
  /** What each server ran before this release, when the journal knows better than `current`. */
  releasesBefore?: ReadonlyMap<string, string | null>;
  deps: ContextDeps;
}

/** Connects, locks, reads the state, and builds the flow context. Refuses (throws, exit 3) on preflight problems. */
export async function openRunContext(input: RunContextInput): Promise<RunContext> {
  const { cluster, pipeline, deps, runId } = input;
  const seams = deps.seams ?? LIVE;
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
  const clusterLock = seams.lock(
    createClusterLock({ directors, settings: cluster.lock, policy: { breakStale: deps.breakLock ?? false, isHolderGone: deps.isLockHolderGone }, emit }),
    emit,
  );
  const held = await clusterLock.take({
    owner: { cluster: cluster.name, command: input.kind, ...whoAmI(), ciJob: deps.ciJob, startedAt: deps.clock.now().toISOString() },
    signal: deps.stop,
  });
  try {
    // One reader of the directors for the whole run (preflight included): every read and change
    // is shared and coalesced per director.
    let persistent = false;
    const realTables = createDirectorTables({
      directors,
      sudo,
      commandTimeoutMs: pipeline.stepTimeoutMs,
      persistentConn: () => persistent,
      minReadIntervalMs: Math.min(pipeline.drain.pollMs, 100),
      confirmPollMs: Math.min(pipeline.drain.pollMs, 500),
      clock: deps.clock,
      onExec: deps.onDirectorExec,
    });
    const preflight = await runPreflight({
      cluster,
      pipeline,
      directors,
      tables: realTables,
      servers: cluster.realServers.map((s) => ({ name: s.name, session: session(s.name), root: s.app.root })),
      sudo,
      keepalivedManaged: new Set(cluster.directors.filter((d) => d.keepalived).map((d) => d.name)),
      signal: deps.stop,
    });
    persistent = preflight.pool.servers.some((s) => s.slots.some((slot) => slot.persistent !== undefined));
    if (preflight.pool.problems.length > 0) {
      throw new ReleaseError('PREFLIGHT_FAILED', `Preflight failed: ${preflight.pool.problems.join('; ')}.`, {
        hint: 'Every configured service must exist on every director; fix the tables or the cluster file. Nothing was changed.',
      });
    }
    // The real servers' and directors' network, keepalived.conf: refused before anything is drained.
    if (preflight.refusals.length > 0) {
      throw new ReleaseError('PREFLIGHT_FAILED', `Preflight failed: ${preflight.refusals.map((r) => r.message).join('; ')}.`, {
        hint: `${preflight.refusals.map((r) => r.hint).join(' ')} Nothing was changed.`,
        details: { refusals: preflight.refusals },
      });
    }
    // Servers a run left drained are owed their weights before anything else runs: only recover
    // may start (it puts them back). Refused here, nothing is recorded, so nothing recover needs changes.
    const journal = await loadJournalState({ cluster, directors, events: deps.journalEvents, signal: deps.stop });
    const owed = input.kind === 'recover' ? undefined : owedRefusal(journal);
    if (owed) throw owed;
    const unexpected = deps.expectJournal?.(journal);
    if (unexpected) throw unexpected;
    const servers = new Map<string, RunServer>(
      cluster.realServers.map((config) => [
        config.name,
        {
          ...poolServerOf(config),
          config,
          session: session(config.name),
          healthFile: config.app.healthFile,
          releaseBefore: input.releasesBefore?.has(config.name)
            ? (input.releasesBefore.get(config.name) ?? null)
            : (preflight.releases.get(config.name) ?? null),
        },
      ]),
    );
    const flowClock = seams.flowClock(deps.clock);
    const flow: FlowContext = {
      release: input.release,
      driver: DRIVERS[pipeline.drain.method],
      lb: {
        tables: seams.tables(realTables, emit),
        connections: seams.connections(
          createConnectionCounter({ source: pipeline.drain.connections, tables: realTables, commandTimeoutMs: pipeline.stepTimeoutMs }),
          emit,
        ),
        commandTimeoutMs: pipeline.stepTimeoutMs,
        // keepalived needs its check cycle to notice a health file; plain ipvsadm answers at once.
        confirmTimeoutMs: pipeline.drain.method === 'healthfile' ? Math.max(pipeline.drain.timeoutMs, 60_000) : 30_000,
        ramp: pipeline.drain.ramp,
        emit,
        clock: flowClock,
        signal: deps.stop,
      },
      runPhase: createPhaseRunner({ cluster, pipeline, artifact: input.artifact, emit, clock: deps.clock, httpCheck: seams.httpCheck(runHttpCheck, emit) }),
      savedSlots: (server) => savedSlotsOf(preflight.pool, server.name),
      drain: pipeline.drain,
      hostChecks: createHostChecks({
        vips: new Map(preflight.network.needs.servers.map((n) => [n.name, n.vips])),
        vipPathOptions: (name) => {
          const app = cluster.realServers.find((s) => s.name === name)?.app;
          return { path: app?.healthUrl, hostHeader: app?.smoke.host };
        },
        emit,
      }),
      emit,
      clock: flowClock,
      stop: deps.stop,
      never: NEVER,
    };
    return { runId, emit, preflight, servers, flow, journal, close: () => held.release() };
  } catch (error) {
    await held.release();
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
      reason: s.reason,
      release: preflight.releases.get(s.server) ?? undefined,
    })),
    hosts: [
      ...preflight.network.servers.map((r) => ({ host: r.host, role: r.role, checked: r.checked, ...(r.skipped.length > 0 ? { skipped: r.skipped } : {}) })),
      ...preflight.network.holdings.map((h) => ({
        host: h.holders.map((x) => x.director).join(',') || '-',
        role: 'director' as const,
        checked: [`VIP ${h.vip} held by ${h.holders.map((x) => x.director).join(', ') || 'none'}`],
        ...(h.unknown.length > 0 ? { skipped: h.unknown.map((d) => `which VIPs ${d} holds`) } : {}),
      })),
    ],
  };
}
