// Test data for the runner: a pipeline whose steps the fake cluster's server model understands,
// and a FlowContext wired the way run.ts wires it, over a fake cluster.
import type { DrainSettings, PhaseName, Pipeline, RunStep, Step } from '../../src/config/types.ts';
import { createPhaseRunner } from '../../src/deploy/phase.ts';
import type { Emit } from '../../src/events/types.ts';
import { readAllTables } from '../../src/lb/directors.ts';
import { DRIVERS } from '../../src/lb/methods.ts';
import type { LbContext } from '../../src/lb/types.ts';
import { buildPlan } from '../../src/plan/build-plan.ts';
import { parseBatchSpec } from '../../src/plan/batch-spec.ts';
import type { Plan } from '../../src/plan/types.ts';
import { poolServerOf, readCurrentRelease, runPreflight, savedSlotsOf, type Preflight } from '../../src/runner/preflight.ts';
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

export function aPipeline(overrides: { drain?: Partial<DrainSettings>; rollback?: 'all' | 'failed'; phases?: Partial<Record<PhaseName, Step[]>> } = {}): Pipeline {
  return {
    name: 'test',
    file: '/cfg/pipeline.yaml',
    drain: { method: 'ipvsadm', connections: 'director', threshold: 0, settleMs: 2000, timeoutMs: 60_000, onTimeout: 'fail', pollMs: 1000, ...overrides.drain },
    rollback: overrides.rollback ?? 'all',
    keepReleases: 5,
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

/** Preflight over the fake cluster, then the FlowContext run.ts would build. */
export async function aHarness(
  fc: FakeCluster,
  options: { pipeline?: Pipeline; release?: string; stop?: AbortSignal; emit?: Emit } = {},
): Promise<Harness> {
  const { cluster } = fc;
  const pipeline = options.pipeline ?? aPipeline();
  const sudo = cluster.directors.some((d) => d.ssh.sudo);
  const preflight = await runPreflight({
    cluster,
    pipeline,
    directors: fc.directorHandles,
    servers: cluster.realServers.map((s) => ({ name: s.name, session: fc.session(s.name), root: s.app.root })),
    sudo,
    keepalivedManaged: new Set(),
  });
  const servers = new Map<string, RunServer>(
    cluster.realServers.map((config) => [
      config.name,
      {
        ...poolServerOf(config),
        config,
        session: fc.session(config.name),
        ...(config.app.healthFile ? { healthFile: config.app.healthFile } : {}),
        releaseBefore: preflight.releases.get(config.name) ?? null,
      },
    ]),
  );
  const emit = options.emit ?? fc.emit;
  const stop = options.stop ?? new AbortController().signal;
  const lb: LbContext = {
    directors: fc.directorHandles,
    services: cluster.services.map((s) => s.key),
    sudo,
    commandTimeoutMs: pipeline.stepTimeoutMs,
    confirmTimeoutMs: 30_000,
    pollMs: pipeline.drain.pollMs,
    connectionSource: pipeline.drain.connections,
    ...(pipeline.drain.ramp ? { ramp: pipeline.drain.ramp } : {}),
    emit,
    clock: fc.clock,
    signal: stop,
    readTables: (signal) => readAllTables(fc.directorHandles, { sudo, timeoutMs: pipeline.stepTimeoutMs, signal }),
  };
  const flow: FlowContext = {
    release: options.release ?? 'r2',
    driver: DRIVERS[pipeline.drain.method],
    lb,
    runPhase: createPhaseRunner({ cluster, pipeline, emit, clock: fc.clock, dryRun: false }),
    readCurrent: (server, signal) => readCurrentRelease(server.session, server.config.app.root, signal),
    savedSlots: (server) => savedSlotsOf(preflight.pool, server.name),
    drain: pipeline.drain,
    emit,
    clock: fc.clock,
    stop,
    never: new AbortController().signal,
    dryRun: false,
  };
  const state = Object.fromEntries(
    preflight.pool.servers.map((s) => [s.server, s.inPool ? { inPool: true as const } : { inPool: false as const, reason: s.reason ?? 'out' }]),
  );
  return {
    flow,
    servers,
    preflight,
    pipeline,
    server: (name) => {
      const s = servers.get(name);
      if (!s) throw new Error(`no server ${name}`);
      return s;
    },
    plan: (batch, canary) =>
      buildPlan({ servers: cluster.realServers.map((s) => s.name), state, batch: parseBatchSpec(batch), ...(canary !== undefined ? { canary } : {}) }),
  };
}
