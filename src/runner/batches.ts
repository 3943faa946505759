// The rolling part: batches from the plan, servers of a batch in parallel, prepare running one
// batch ahead and cleanup one batch behind (both in the pool), windows checked before every
// batch, and the failure policy (stop; with `rollback: all`, roll finished servers back in
// batches with the same drain discipline).
import type { Plan } from '../plan/types.ts';
import { createLimiter, type Limiter } from '../transport/limit.ts';
import { cleanUpServer, emitFinished, releaseServer } from './flow.ts';
import { rollBackInBatches } from './rollback-batches.ts';
import { isStuckOut, type FlowContext, type RunServer, type ServerResult } from './types.ts';

export type BatchRunOutcome =
  | { kind: 'released' }
  | { kind: 'failed'; rolledBack: boolean }
  | { kind: 'paused'; reason: 'canary' | 'window'; nextBatch: number }
  | { kind: 'interrupted'; nextBatch: number };

export interface BatchRunOptions {
  plan: Plan;
  /** Start at this batch (resume/promote). */
  fromBatch: number;
  servers: ReadonlyMap<string, RunServer>;
  rollbackPolicy: 'all' | 'failed';
  /** Checked before every batch but the first: undefined = allowed, else why not. */
  windowBlocks(): string | undefined;
  /** Called after the canary batch; true = go on (a TTY prompt), false = pause. */
  confirmCanary(): Promise<boolean>;
  /** Servers released by earlier runs of this release (promote/resume), for rollback: all. */
  previouslyReleased?: RunServer[];
  /** Prepare batch k+1 while batch k is out of the pool (default true). */
  prepareAhead?: boolean;
  /** Servers preparing at once (uploads, unpacks): bounded, so preparing the next batch does not
   * starve the drained servers' switch, restart and smoke checks of bandwidth and CPU. */
  prepareConcurrency?: number;
  /** The same for the first batch's prepare, while no server of the run is out of the pool:
   * nothing to starve then, so as many as SSH work may run at once (the cluster's `ssh.concurrency`). */
  idlePrepareConcurrency?: number;
}

export interface BatchRunResult {
  outcome: BatchRunOutcome;
  results: ServerResult[];
}

const isFailure = (r: ServerResult) => r.outcome !== 'released';

export const DEFAULT_PREPARE_CONCURRENCY = 10;

/** Prepares servers (still in the pool); a failure here fails the release before any drain. */
async function prepare(servers: RunServer[], ctx: FlowContext, limit: Limiter): Promise<ServerResult[]> {
  const outcomes = await Promise.all(
    servers.map((server) =>
      limit(async () => {
        const result = await ctx.runPhase('prepare', server, { release: ctx.release, previous: server.releaseBefore }, ctx.stop);
        return { server, result };
      }),
    ),
  );
  return outcomes
    .filter((o) => !o.result.ok)
    .map(({ server, result }) => ({
      server: server.name,
      outcome: 'unchanged' as const,
      releaseBefore: server.releaseBefore,
      releaseAfter: server.releaseBefore,
      outOfPoolMs: 0,
      drainMs: 0,
      failedStep: `prepare: ${result.ok ? '' : result.step}`,
      error: result.ok ? '' : result.detail,
    }));
}

export async function runBatches(options: BatchRunOptions, ctx: FlowContext): Promise<BatchRunResult> {
  // NOTE: a released server is back in the pool: its cleanup (old releases removed) need not hold
  // up the next batch. Every cleanup has ended before the run goes on to a rollback or ends.
  const cleanups: Promise<void>[] = [];
  const release = async (server: RunServer, waiting: () => void) => {
    // The drained server waits from its first deploy step on (the app's restart, smoke retries).
    const watched: FlowContext = {
      ...ctx,
      runPhase: (phase, s, vars, signal) => ctx.runPhase(phase, s, vars, signal, phase === 'deploy' ? { onStepDone: waiting } : {}),
    };
    const result = await releaseServer(server, watched);
    if (result.outcome === 'released') cleanups.push(cleanUpServer(server, ctx));
    return result;
  };
  const outcome = await rollOut(options, ctx, release, () => Promise.all(cleanups));
  await Promise.all(cleanups);
  return outcome;
}

async function rollOut(
  options: BatchRunOptions,
  ctx: FlowContext,
  release: (server: RunServer, waiting: () => void) => Promise<ServerResult>,
  cleanedUp: () => Promise<unknown>,
): Promise<BatchRunResult> {
  const { plan } = options;
  const results: ServerResult[] = [];
  const serversOf = (index: number) =>
    (plan.batches[index]?.servers ?? []).map((name) => {
      const server = options.servers.get(name);
      if (!server) throw new Error(`plan names unknown server ${name}`);
      return server;
    });
  const bound = options.prepareConcurrency ?? DEFAULT_PREPARE_CONCURRENCY;
  const limit = createLimiter(bound);
  let preparing: Promise<ServerResult[]> | undefined = prepare(
    serversOf(options.fromBatch),
    ctx,
    createLimiter(Math.max(bound, options.idlePrepareConcurrency ?? 0)),
  );
  for (let index = options.fromBatch; index < plan.batches.length; index++) {
    const batch = plan.batches[index];
    if (!batch) break;
    if (ctx.stop.aborted) {
      await preparing;
      return { outcome: { kind: 'interrupted', nextBatch: index }, results };
    }
    if (index > options.fromBatch) {
      const blocked = options.windowBlocks();
      if (blocked) {
        await preparing;
        ctx.emit({ type: 'warning', code: 'PEAK_WINDOW', message: `stopping before batch ${index + 1}: ${blocked}` });
        return { outcome: { kind: 'paused', reason: 'window', nextBatch: index }, results };
      }
    }
    const prepareFailures = (await preparing) ?? [];
    preparing = undefined;
    if (prepareFailures.length > 0) {
      for (const r of prepareFailures) emitFinished(ctx, r);
      results.push(...prepareFailures);
      await cleanedUp();
      return finishFailed(options, ctx, results);
    }
    ctx.emit({ type: 'batch-started', index, servers: batch.servers, purpose: 'release' });
    // NOTE: prepare for the next batch runs while this one is out of the pool, so a server's
    // time out of the pool is only switch + restart + smoke. It starts once every server of this
    // batch is waiting (its first deploy step done: the app restarting) or done, so uploads and
    // unpacking slow neither the quiesce, the counts, the deletes nor the switch.
    const ahead = options.prepareAhead ?? true;
    const members = serversOf(index);
    const waiting = allArrived(members.map((s) => s.name));
    const next = ahead && index + 1 < plan.batches.length ? waiting.all.then(() => prepare(serversOf(index + 1), ctx, limit)) : Promise.resolve([]);
    next.catch(() => {});
    const batchResults = await Promise.all(
      members.map(async (server) => {
        const result = await release(server, () => waiting.arrive(server.name));
        waiting.arrive(server.name);
        return result;
      }),
    );
    results.push(...batchResults);
    for (const r of batchResults) emitFinished(ctx, r);
    const failed = batchResults.some(isFailure);
    ctx.emit({ type: 'batch-finished', index, ok: !failed });
    if (failed) {
      await next;
      if (batchResults.every((r) => r.outcome === 'interrupted' || r.outcome === 'released')) {
        return { outcome: { kind: 'interrupted', nextBatch: index }, results };
      }
      await cleanedUp();
      return finishFailed(options, ctx, results);
    }
    preparing = ahead || index + 1 >= plan.batches.length ? next : prepare(serversOf(index + 1), ctx, limit);
    if (batch.pauseAfter && index + 1 < plan.batches.length) {
      await preparing;
      if (!(await options.confirmCanary())) return { outcome: { kind: 'paused', reason: 'canary', nextBatch: index + 1 }, results };
    }
  }
  return { outcome: { kind: 'released' }, results };
}

/** Resolves `all` once every name has arrived (each counted once). */
function allArrived(names: readonly string[]): { all: Promise<void>; arrive(name: string): void } {
  const waiting = new Set(names);
  let done!: () => void;
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  if (waiting.size === 0) done();
  return {
    all,
    arrive(name) {
      if (waiting.delete(name) && waiting.size === 0) done();
    },
  };
}

/** After a failure: with `rollback: all`, roll back every server this release finished. */
async function finishFailed(options: BatchRunOptions, ctx: FlowContext, results: ServerResult[]): Promise<BatchRunResult> {
  if (options.rollbackPolicy !== 'all') return { outcome: { kind: 'failed', rolledBack: false }, results };
  const released = [...(options.previouslyReleased ?? []), ...results.filter((r) => r.outcome === 'released').map((r) => options.servers.get(r.server))].filter(
    (s): s is RunServer => s !== undefined,
  );
  const stuckOut = results.filter(isStuckOut).length;
  // Invariant 1 holds during rollback too: servers left out count against every batch's budget.
  const room = Math.min(...options.plan.batches.map((b) => b.budget)) - options.plan.alreadyOut - stuckOut;
  if (released.length > 0 && room < 1) {
    ctx.emit({
      type: 'warning',
      code: 'ROLLBACK_NO_ROOM',
      message: `not rolling back ${released.map((s) => s.name).join(', ')}: ${stuckOut} server(s) are stuck out of the pool and no room is left in the batch budget`,
    });
    return { outcome: { kind: 'failed', rolledBack: false }, results };
  }
  // NOTE: a server with no recorded previous release is not "rolled back" onto the bad one:
  // the flow leaves it out of the pool and names it.
  const rolled = await rollBackInBatches({ targets: released.map((server) => ({ server, current: ctx.release, to: server.releaseBefore })), room }, ctx);
  for (const r of rolled) {
    const at = results.findIndex((x) => x.server === r.server);
    if (at >= 0) results[at] = { ...r, releaseBefore: results[at]?.releaseBefore ?? r.releaseBefore };
    else results.push(r);
  }
  return { outcome: { kind: 'failed', rolledBack: true }, results };
}
