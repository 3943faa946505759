// A whole release: windows → connect → preflight → plan → batches → outcome. The CLI gives it
// the loaded config, the transport and the output; it returns the exit status as a value.
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { Cluster, Pipeline } from '../config/types.ts';
import type { Clock } from '../core/clock.ts';
import { EXIT, ReleaseError } from '../core/errors.ts';
import { createPhaseRunner } from '../deploy/phase.ts';
import type { EventInput, ReleaseEvent, RunOutcome } from '../events/types.ts';
import { readAllTables, type DirectorHandle } from '../lb/directors.ts';
import { DRIVERS } from '../lb/methods.ts';
import type { LbContext } from '../lb/types.ts';
import { simulateTables } from '../lb/apply.ts';
import { buildPlan } from '../plan/build-plan.ts';
import type { BatchSpec, Plan } from '../plan/types.ts';
import type { HostSession } from '../transport/types.ts';
import { evaluateWindows } from '../windows/evaluate.ts';
import { windowRefusalError } from '../windows/format.ts';
import type { Trigger } from '../windows/types.ts';
import { runBatches } from './batches.ts';
import { readCurrentRelease, runPreflight, savedSlotsOf, poolServerOf } from './preflight.ts';
import type { FlowContext, RunServer, ServerResult } from './types.ts';

export interface ReleaseRequest {
  cluster: Cluster;
  pipeline: Pipeline;
  batch: BatchSpec;
  canary?: number;
  artifact?: string;
  release: string;
  trigger: Trigger;
  dryRun: boolean;
  forceWindowReason?: string;
  ciJob?: string;
}

export interface RunDeps {
  /** Opens one session per host (directors first); throws a ReleaseError when any host fails. */
  openSessions(signal: AbortSignal): Promise<Map<string, HostSession>>;
  emit(event: ReleaseEvent): void;
  clock: Clock;
  stop: AbortSignal;
  /** After the canary: ask (TTY) or pause (false). */
  confirmCanary(): Promise<boolean>;
}

export interface RunResult {
  exitCode: number;
  outcome: RunOutcome;
  plan?: Plan;
  results: ServerResult[];
}

const NEVER = new AbortController().signal;

/** Window refusal as an error (exit 3), or undefined when the release may start now. */
export function checkWindows(request: Pick<ReleaseRequest, 'cluster' | 'trigger'>, at: Date): ReleaseError | undefined {
  const policy = request.cluster.peakWindows;
  if (!policy) return undefined;
  const decision = evaluateWindows(policy, { at, trigger: request.trigger });
  return decision.allowed ? undefined : windowRefusalError(decision, policy);
}

export function outcomeExit(outcome: RunOutcome): number {
  switch (outcome) {
    case 'released':
    case 'paused':
    case 'dry-run':
      return EXIT.ok;
    case 'rolled-back':
      return EXIT.failedRolledBack;
    case 'rollback-failed':
      return EXIT.rollbackFailed;
    case 'refused':
      return EXIT.refused;
    case 'interrupted':
      return EXIT.interrupted;
  }
}

export async function runRelease(request: ReleaseRequest, deps: RunDeps): Promise<RunResult> {
  const { cluster, pipeline } = request;
  const runId = `${request.release}-${randomUUID().slice(0, 8)}`;
  const emit = (event: EventInput) => deps.emit({ ...event, at: deps.clock.now().toISOString(), runId } as ReleaseEvent);

  const forced = checkWindows(request, deps.clock.now());
  if (forced && !request.forceWindowReason) throw forced;

  const sessions = await deps.openSessions(deps.stop);
  const session = (name: string): HostSession => {
    const s = sessions.get(name);
    if (!s) throw new ReleaseError('INTERNAL', `no SSH session for ${name}`);
    return s;
  };
  const directors: DirectorHandle[] = cluster.directors.map((d) => ({ name: d.name, session: session(d.name) }));
  const sudo = cluster.directors.some((d) => d.ssh.sudo);
  const keepalivedManaged = new Set(cluster.directors.filter((d) => d.keepalived).map((d) => d.name));

  const preflight = await runPreflight({
    cluster,
    pipeline,
    directors,
    servers: cluster.realServers.map((s) => ({ name: s.name, session: session(s.name), root: s.app.root })),
    sudo,
    keepalivedManaged,
    signal: deps.stop,
  });
  if (preflight.pool.problems.length > 0) {
    throw new ReleaseError('PREFLIGHT_FAILED', `Preflight failed: ${preflight.pool.problems.join('; ')}.`, {
      hint: 'Every configured service must exist on every director; fix the tables or the cluster file.',
    });
  }
  const state = Object.fromEntries(
    preflight.pool.servers.map((s) => [s.server, s.inPool ? { inPool: true as const } : { inPool: false as const, reason: s.reason ?? 'out of the pool' }]),
  );
  const plan = buildPlan({
    servers: cluster.realServers.map((s) => s.name),
    state,
    batch: request.batch,
    ...(request.canary !== undefined ? { canary: request.canary } : {}),
  });

  const user = safeUser();
  emit({
    type: 'run-started',
    cluster: cluster.name,
    release: request.release,
    command: 'release',
    trigger: request.trigger,
    dryRun: request.dryRun,
    ...(forced && request.forceWindowReason ? { forcedWindow: { reason: request.forceWindowReason, blockers: [forced.message] } } : {}),
    user,
    host: hostname(),
    pid: process.pid,
    ...(request.ciJob ? { ciJob: request.ciJob } : {}),
  });
  emit({
    type: 'preflight',
    servers: preflight.pool.servers.map((s) => ({
      name: s.server,
      inPool: s.inPool,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(preflight.releases.get(s.server) ? { release: preflight.releases.get(s.server) as string } : {}),
    })),
  });
  for (const w of preflight.warnings) emit({ type: 'warning', ...w });
  emit({ type: 'plan', plan });
  if (plan.blocked) {
    emit({ type: 'run-finished', outcome: 'refused', exitCode: EXIT.refused, message: plan.blocked.reason });
    throw new ReleaseError('PREFLIGHT_FAILED', plan.blocked.reason, { hint: plan.blocked.hint });
  }

  const runServers = new Map<string, RunServer>(
    cluster.realServers.map((config) => [
      config.name,
      {
        ...poolServerOf(config),
        config,
        session: session(config.name),
        ...(config.app.healthFile ? { healthFile: config.app.healthFile } : {}),
        releaseBefore: preflight.releases.get(config.name) ?? null,
      },
    ]),
  );
  // Dry run: the tables as they would be after the reported changes, so the walk goes on.
  const overrides: Parameters<typeof simulateTables>[1][number][] = [];
  const readTables = async (signal: AbortSignal) => {
    const real = await readAllTables(directors, { sudo, timeoutMs: pipeline.stepTimeoutMs, signal });
    return request.dryRun ? simulateTables(real, overrides) : real;
  };
  const lb: LbContext = {
    directors,
    services: cluster.services.map((s) => s.key),
    sudo,
    commandTimeoutMs: pipeline.stepTimeoutMs,
    confirmTimeoutMs: pipeline.drain.method === 'healthfile' ? Math.max(pipeline.drain.timeoutMs, 60_000) : 30_000,
    pollMs: pipeline.drain.pollMs,
    connectionSource: pipeline.drain.connections,
    ...(pipeline.drain.ramp ? { ramp: pipeline.drain.ramp } : {}),
    emit,
    clock: deps.clock,
    signal: deps.stop,
    readTables,
    ...(request.dryRun ? { dryRun: true, onApplied: (server, slot, weight) => overrides.push({ server, slot, weight }) } : {}),
  };
  const flow: FlowContext = {
    release: request.release,
    driver: DRIVERS[pipeline.drain.method],
    lb,
    runPhase: createPhaseRunner({ cluster, pipeline, ...(request.artifact ? { artifact: request.artifact } : {}), emit, clock: deps.clock, dryRun: request.dryRun }),
    readCurrent: (server, signal) => readCurrentRelease(server.session, server.config.app.root, signal),
    savedSlots: (server) => savedSlotsOf(preflight.pool, server.name),
    drain: pipeline.drain,
    emit,
    clock: deps.clock,
    stop: deps.stop,
    never: NEVER,
    dryRun: request.dryRun,
  };

  const { outcome, results } = await runBatches(
    {
      plan,
      fromBatch: 0,
      servers: runServers,
      rollbackPolicy: pipeline.rollback,
      windowBlocks: () => (request.forceWindowReason ? undefined : checkWindows(request, deps.clock.now())?.message),
      confirmCanary: deps.confirmCanary,
    },
    flow,
  );
  const runOutcome: RunOutcome = request.dryRun ? 'dry-run' : results.some((r) => r.outcome === 'rollback-failed' || r.outcome === 'restore-failed')
    ? 'rollback-failed'
    : outcome.kind === 'released'
      ? 'released'
      : outcome.kind === 'failed'
        ? 'rolled-back'
        : outcome.kind === 'interrupted'
          ? 'interrupted'
          : outcome.reason === 'window'
            ? 'refused'
            : 'paused';
  if (outcome.kind === 'paused') {
    emit({ type: 'paused', reason: outcome.reason, resumeWith: outcome.reason === 'canary' ? 'release promote | release abort' : 'release resume' });
  }
  const exitCode = outcomeExit(runOutcome);
  emit({ type: 'run-finished', outcome: runOutcome, exitCode });
  return { exitCode, outcome: runOutcome, plan, results };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
