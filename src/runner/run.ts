// A whole release: windows → connect → preflight → plan → batches → outcome. The CLI gives it
// the loaded config, the transport and the output; it returns the exit status as a value.
import type { Cluster, Pipeline } from '../config/types.ts';
import { ReleaseError } from '../core/errors.ts';
import { artifactFields } from '../deploy/artifact.ts';
import type { RunOutcome } from '../events/types.ts';
import { buildPlan } from '../plan/build-plan.ts';
import type { BatchSpec, Plan } from '../plan/types.ts';
import { evaluateWindows } from '../windows/evaluate.ts';
import { windowRefusalError } from '../windows/format.ts';
import type { Trigger } from '../windows/types.ts';
import { runBatches, type BatchRunOutcome } from './batches.ts';
import type { ContextDeps } from './context.ts';
import { withRun, type RunResult } from './lifecycle.ts';
import { runAfter, runBefore } from './run-once.ts';
import { isStuckOut, type RunServer, type ServerResult } from './types.ts';

export interface ReleaseRequest {
  cluster: Cluster;
  pipeline: Pipeline;
  batch: BatchSpec;
  canary?: number;
  artifact?: string;
  release: string;
  trigger: Trigger;
  forceWindowReason?: string;
  /** Continue a paused or stopped run of this release (promote, resume). */
  resume?: ResumeState;
  /** `--limit`: release only these servers (resolved names); the others are left alone. */
  limit?: readonly string[];
  /** A dry run (plan): windows refuse nothing, the caller says a real run would be refused. */
  ignoreWindows?: boolean;
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
  /** Read from the directors' copy (another machine paused the run): recorded in run-started. */
  adopted?: { from: string; state: unknown };
}

export interface RunDeps extends ContextDeps {
  /** After the canary: ask (TTY) or pause (false). */
  confirmCanary(): Promise<boolean>;
}

/** Window refusal as an error (exit 3), or undefined when the release may start now. */
export function checkWindows(request: Pick<ReleaseRequest, 'cluster' | 'trigger'>, at: Date): ReleaseError | undefined {
  const policy = request.cluster.peakWindows;
  if (!policy) return undefined;
  const decision = evaluateWindows(policy, { at, trigger: request.trigger });
  return decision.allowed ? undefined : windowRefusalError(decision, policy);
}

/** The run's outcome from the batches' and the servers' results. */
export function releaseOutcome(outcome: BatchRunOutcome, results: readonly ServerResult[]): RunOutcome {
  if (results.some(isStuckOut)) return 'rollback-failed';
  switch (outcome.kind) {
    case 'released':
      return 'released';
    case 'failed':
      return 'rolled-back';
    case 'interrupted':
      return 'interrupted';
    case 'paused':
      return outcome.reason === 'window' ? 'refused' : 'paused';
  }
}

export async function runRelease(request: ReleaseRequest, deps: RunDeps): Promise<RunResult<{ plan: Plan }>> {
  const { cluster, pipeline, resume } = request;
  const forced = request.ignoreWindows ? undefined : checkWindows(request, deps.clock.now());
  if (forced && !request.forceWindowReason) throw forced;
  return withRun(
    {
      kind: resume?.command ?? 'release',
      cluster,
      pipeline,
      release: request.release,
      artifact: request.artifact,
      releasesBefore: resume?.releasesBefore,
      deps,
    },
    async (run) => {
      const { preflight, emit } = run;
      const state = Object.fromEntries(
        preflight.pool.servers.map((s) => [s.server, s.inPool ? { inPool: true as const } : { inPool: false as const, reason: s.reason ?? 'out of the pool' }]),
      );
      const plan =
        resume?.plan ??
        buildPlan({ servers: cluster.realServers.map((s) => s.name), state, batch: request.batch, canary: request.canary, limit: request.limit });
      run.start({
        continues: resume?.continues,
        artifact: request.artifact,
        ...(await artifactFields(request.artifact)),
        adopted: resume?.adopted,
        batch: request.batch.text,
        canary: request.canary,
        trigger: request.trigger,
        forcedWindow: forced && request.forceWindowReason ? { reason: request.forceWindowReason, blockers: [forced.message] } : undefined,
      });
      for (const w of preflight.warnings) emit({ type: 'warning', ...w });
      emit({ type: 'plan', plan });
      if (plan.blocked) {
        return {
          outcome: 'refused',
          results: [],
          refusal: new ReleaseError('PREFLIGHT_FAILED', plan.blocked.reason, { hint: plan.blocked.hint }),
          extra: { plan },
        };
      }
      const before = await runBefore({ run, request, deps, plan });
      if (!before.ok) return { ...before.end, extra: { plan } };
      const { outcome, results } = await runBatches(
        {
          plan,
          fromBatch: resume?.fromBatch ?? 0,
          servers: run.servers,
          previouslyReleased: resume?.released.map((n) => run.servers.get(n)).filter((x): x is RunServer => x !== undefined),
          rollbackPolicy: pipeline.rollback,
          prepareAhead: pipeline.prepareAhead,
          idlePrepareConcurrency: cluster.concurrency,
          windowBlocks: () => (request.forceWindowReason || request.ignoreWindows ? undefined : checkWindows(request, deps.clock.now())?.message),
          confirmCanary: deps.confirmCanary,
        },
        run.flow,
      );
      if (outcome.kind === 'paused') {
        emit({
          type: 'paused',
          reason: outcome.reason,
          nextBatch: outcome.nextBatch,
          resumeWith: outcome.reason === 'canary' ? 'release promote | release abort' : 'release resume',
          ciJob: deps.ciJob,
          ciJobUrl: deps.ciJobUrl,
        });
      }
      if (outcome.kind === 'interrupted') {
        emit({ type: 'paused', reason: 'interrupt', nextBatch: outcome.nextBatch, resumeWith: 'release resume', ciJob: deps.ciJob, ciJobUrl: deps.ciJobUrl });
      }
      const end = await runAfter({ run, request, deps, plan, outcome: releaseOutcome(outcome, results), results });
      return { ...end, extra: { plan } };
    },
  );
}
