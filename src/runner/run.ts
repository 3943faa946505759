// A whole release: windows → connect → preflight → plan → batches → outcome. The CLI gives it
// the loaded config, the transport and the output; it returns the exit status as a value.
import { randomUUID } from 'node:crypto';
import type { Cluster, Pipeline } from '../config/types.ts';
import { EXIT, ReleaseError } from '../core/errors.ts';
import type { RunOutcome } from '../events/types.ts';
import { buildPlan } from '../plan/build-plan.ts';
import type { BatchSpec, Plan } from '../plan/types.ts';
import { evaluateWindows } from '../windows/evaluate.ts';
import { windowRefusalError } from '../windows/format.ts';
import type { Trigger } from '../windows/types.ts';
import { runBatches } from './batches.ts';
import { openRunContext, preflightEvent, whoAmI, type ContextDeps, type RunContext } from './context.ts';
import type { RunServer, ServerResult } from './types.ts';

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
  /** Continue a paused or stopped run of this release (promote, resume). */
  resume?: ResumeState;
}

/** From the journal: where the earlier run stopped and what each server ran before it. */
export interface ResumeState {
  command: 'promote' | 'resume';
  continues: string;
  plan: Plan;
  fromBatch: number;
  releasesBefore: ReadonlyMap<string, string | null>;
  /** Servers the earlier runs of this release already released. */
  released: readonly string[];
}

export interface RunDeps extends ContextDeps {
  /** After the canary: ask (TTY) or pause (false). */
  confirmCanary(): Promise<boolean>;
}

export interface RunResult {
  exitCode: number;
  outcome: RunOutcome;
  plan?: Plan;
  results: ServerResult[];
}


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
  const forced = checkWindows(request, deps.clock.now());
  if (forced && !request.forceWindowReason) throw forced;

  const resume = request.resume;
  const ctx = await openRunContext({
    runId,
    cluster,
    pipeline,
    release: request.release,
    ...(request.artifact ? { artifact: request.artifact } : {}),
    dryRun: request.dryRun,
    command: resume?.command ?? 'release',
    ...(resume ? { releasesBefore: resume.releasesBefore } : {}),
    deps,
  });
  try {
    return await releaseWith(ctx, request, deps, forced);
  } finally {
    await ctx.close();
  }
}

async function releaseWith(ctx: RunContext, request: ReleaseRequest, deps: RunDeps, forced: ReleaseError | undefined): Promise<RunResult> {
  const { cluster, pipeline } = request;
  const resume = request.resume;
  const { emit, preflight } = ctx;
  const state = Object.fromEntries(
    preflight.pool.servers.map((s) => [s.server, s.inPool ? { inPool: true as const } : { inPool: false as const, reason: s.reason ?? 'out of the pool' }]),
  );
  const plan =
    resume?.plan ??
    buildPlan({
      servers: cluster.realServers.map((s) => s.name),
      state,
      batch: request.batch,
      ...(request.canary !== undefined ? { canary: request.canary } : {}),
    });

  emit({
    type: 'run-started',
    cluster: cluster.name,
    release: request.release,
    command: resume?.command ?? 'release',
    ...(resume ? { continues: resume.continues } : {}),
    ...(request.artifact ? { artifact: request.artifact } : {}),
    batch: request.batch.text,
    ...(request.canary !== undefined ? { canary: request.canary } : {}),
    trigger: request.trigger,
    dryRun: request.dryRun,
    ...(forced && request.forceWindowReason ? { forcedWindow: { reason: request.forceWindowReason, blockers: [forced.message] } } : {}),
    ...whoAmI(),
    ...(request.ciJob ? { ciJob: request.ciJob } : {}),
  });
  emit(preflightEvent(preflight));
  for (const w of preflight.warnings) emit({ type: 'warning', ...w });
  emit({ type: 'plan', plan });
  if (plan.blocked) {
    emit({ type: 'run-finished', outcome: 'refused', exitCode: EXIT.refused, message: plan.blocked.reason });
    throw new ReleaseError('PREFLIGHT_FAILED', plan.blocked.reason, { hint: plan.blocked.hint });
  }

  const { outcome, results } = await runBatches(
    {
      plan,
      fromBatch: resume?.fromBatch ?? 0,
      servers: ctx.servers,
      ...(resume ? { previouslyReleased: resume.released.map((n) => ctx.servers.get(n)).filter((x): x is RunServer => x !== undefined) } : {}),
      rollbackPolicy: pipeline.rollback,
      prepareAhead: pipeline.prepareAhead,
      windowBlocks: () => (request.forceWindowReason ? undefined : checkWindows(request, deps.clock.now())?.message),
      confirmCanary: deps.confirmCanary,
    },
    ctx.flow,
  );
  const runOutcome: RunOutcome = request.dryRun
    ? 'dry-run'
    : results.some((r) => r.outcome === 'rollback-failed' || r.outcome === 'restore-failed')
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
    emit({ type: 'paused', reason: outcome.reason, nextBatch: outcome.nextBatch, resumeWith: outcome.reason === 'canary' ? 'release promote | release abort' : 'release resume' });
  }
  if (outcome.kind === 'interrupted') {
    emit({ type: 'paused', reason: 'interrupt', nextBatch: outcome.nextBatch, resumeWith: 'release resume' });
  }
  const exitCode = outcomeExit(runOutcome);
  emit({ type: 'run-finished', outcome: runOutcome, exitCode });
  return { exitCode, outcome: runOutcome, plan, results };
}
