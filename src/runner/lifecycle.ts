// One lifecycle for every run (release, promote, resume, abort, rollback, recover): its id, the
// context (sessions, lock and heartbeat, preflight), `run-started`, the body, `run-finished`
// with the exit status from the one table (exit-status.ts), and the lock given back at the end.
import { randomUUID } from 'node:crypto';
import type { Cluster, Pipeline } from '../config/types.ts';
import type { ReleaseError } from '../core/errors.ts';
import type { EventOf, RunOutcome } from '../events/types.ts';
import { openRunContext, preflightEvent, whoAmI, type ContextDeps, type RunContext } from './context.ts';
import { exitStatusFor, type RunKind } from './exit-status.ts';
import type { ServerResult } from './types.ts';

/** What a run's `run-started` says beyond what the lifecycle fills in. */
export type RunStartFields = Omit<EventOf<'run-started'>, 'type' | 'at' | 'runId' | 'cluster' | 'release' | 'command' | 'user' | 'host' | 'pid' | 'ciJob'>;

export interface RunSpec {
  kind: RunKind;
  cluster: Cluster;
  pipeline: Pipeline;
  /** The release this run is about (the lock and the events name it). */
  release: string;
  artifact?: string;
  releasesBefore?: ReadonlyMap<string, string | null>;
  deps: ContextDeps;
}

export interface RunEnd<T = unknown> {
  outcome: RunOutcome;
  results: ServerResult[];
  message?: string;
  /** A refusal found inside the run (plan blocked, rollback target missing): recorded, then thrown. */
  refusal?: ReleaseError;
  /** Whatever else the command wants back (the plan, the untouched servers). */
  extra?: T;
}

export interface RunResult<T = unknown> extends RunEnd<T> {
  runId: string;
  exitCode: number;
}

export interface Run extends RunContext {
  /** Emits `run-started` (after preflight, with the lifecycle's own fields) and the preflight event. */
  start(fields: RunStartFields): void;
}

export async function withRun<T>(spec: RunSpec, body: (run: Run) => Promise<RunEnd<T>>): Promise<RunResult<T>> {
  const runId = `${spec.kind === 'release' || spec.kind === 'promote' || spec.kind === 'resume' ? spec.release : spec.kind}-${randomUUID().slice(0, 8)}`;
  const ctx = await openRunContext({
    runId,
    kind: spec.kind,
    cluster: spec.cluster,
    pipeline: spec.pipeline,
    release: spec.release,
    artifact: spec.artifact,
    releasesBefore: spec.releasesBefore,
    deps: spec.deps,
  });
  try {
    const run: Run = {
      ...ctx,
      start: (fields) => {
        ctx.emit({
          type: 'run-started',
          cluster: spec.cluster.name,
          release: spec.release,
          command: spec.kind,
          ...whoAmI(),
          ciJob: spec.deps.ciJob,
          ciJobUrl: spec.deps.ciJobUrl,
          ...fields,
        });
        ctx.emit(preflightEvent(ctx.preflight));
      },
    };
    const end = await body(run);
    const exitCode = exitStatusFor(spec.kind, end.outcome);
    ctx.emit({ type: 'run-finished', outcome: end.outcome, exitCode, message: end.message ?? end.refusal?.message });
    if (end.refusal) throw end.refusal;
    return { ...end, runId, exitCode };
  } finally {
    await ctx.close();
  }
}
