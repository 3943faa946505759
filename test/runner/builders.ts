// Test data for the runner: a pipeline whose steps the fake cluster's server model understands,
// and the run context run.ts builds, over a fake cluster.
import type { DrainSettings, PhaseName, Pipeline, RunStep, Step } from '../../src/config/types.ts';
import type { EventInput } from '../../src/events/types.ts';
import { buildPlan } from '../../src/plan/build-plan.ts';
import { parseBatchSpec } from '../../src/plan/batch-spec.ts';
import type { Plan } from '../../src/plan/types.ts';
import { openRunContext } from '../../src/runner/context.ts';
import type { Preflight } from '../../src/runner/preflight.ts';
import type { FlowContext, RunServer } from '../../src/runner/types.ts';
import type { FakeCluster } from '../helpers/fake-cluster.ts';

let line = 0;
/** A `run` step; the fake server model knows `ln -sfn releases/X …current`, `verify X`, anything else exits 0. */
export function aRunStep(cmd: string, name = cmd): RunStep {
  return { kind: 'run', name, source: `pipeline.yaml:${++line}`, timeoutMs: 60_000, sudo: false, cmd };
}

export const DEFAULT_PHASES: Record<PhaseName, Step[]> = {
  prepare: [aRunStep('prepare {{release}}', 'unpack')],
  deploy: [aRunStep('ln -sfn releases/{{release}} {{root}}/current', 'switch'), aRunStep('app-ctl restart', 'restart')],
  verify: [aRunStep('verify {{release}}', 'smoke')],
  rollback: [aRunStep('ln -sfn releases/{{previous}} {{root}}/current', 'switch back'), aRunStep('app-ctl restart', 'restart')],
  cleanup: [aRunStep('cleanup --keep {{keep}}', 'cleanup')],
};

export function aPipeline(
  overrides: { drain?: Partial<DrainSettings>; rollback?: 'all' | 'failed'; phases?: Partial<Record<PhaseName, Step[]>> } = {},
): Pipeline {
  return {
    name: 'test',
    file: '/cfg/pipeline.yaml',
    drain: { method: 'ipvsadm', connections: 'director', threshold: 0, settleMs: 2000, timeoutMs: 60_000, onTimeout: 'fail', pollMs: 1000, ...overrides.drain },
    rollback: overrides.rollback ?? 'all',
    keepReleases: 5,
    prepareAhead: true,
    stepTimeoutMs: 60_000,
    phases: { ...DEFAULT_PHASES, ...overrides.phases },
  };
}

export interface Harness {
  flow: FlowContext;
  servers: Map<string, RunServer>;
  preflight: Preflight;
  pipeline: Pipeline;
  server(name: string): RunServer;
  plan(batch: string, canary?: number): Plan;
}

/** The run context run.ts builds (openRunContext), over the fake cluster's sessions. */
export async function aHarness(
  fc: FakeCluster,
  options: { pipeline?: Pipeline; release?: string; stop?: AbortSignal; emit?: (event: EventInput) => void } = {},
): Promise<Harness> {
  const { cluster } = fc;
  const pipeline = options.pipeline ?? aPipeline();
  const ctx = await openRunContext({
    runId: 'test-run',
    cluster,
    pipeline,
    release: options.release ?? 'r2',
    kind: 'release',
    deps: {
      openSessions: async () => fc.sessions,
      emit: options.emit ?? fc.emit,
      clock: fc.clock,
      stop: options.stop ?? new AbortController().signal,
    },
  });
  const state = Object.fromEntries(
    ctx.preflight.pool.servers.map((s) => [s.server, s.inPool ? { inPool: true as const } : { inPool: false as const, reason: s.reason ?? 'out' }]),
  );
  return {
    flow: ctx.flow,
    servers: ctx.servers,
    preflight: ctx.preflight,
    pipeline,
    server: (name) => {
      const s = ctx.servers.get(name);
      if (!s) throw new Error(`no server ${name}`);
      return s;
    },
    plan: (batch, canary) =>
      buildPlan({ servers: cluster.realServers.map((s) => s.name), state, batch: parseBatchSpec(batch), ...(canary !== undefined ? { canary } : {}) }),
  };
}
