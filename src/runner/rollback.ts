// Rolling servers back to a named release with the same drain discipline as a release:
// `release abort` (a paused canary), `release rollback [--to ID]` (the whole cluster).
// Windows never block a rollback (SPEC "The release" 2).
import { randomUUID } from 'node:crypto';
import type { Cluster, Pipeline } from '../config/types.ts';
import { EXIT } from '../core/errors.ts';
import type { RunOutcome } from '../events/types.ts';
import { emitFinished } from './batches.ts';
import { openRunContext, preflightEvent, whoAmI, type ContextDeps, type RunContext } from './context.ts';
import { rollbackServer } from './flow.ts';
import type { RunServer, ServerResult } from './types.ts';
import type { Preflight } from './preflight.ts';
import { shellQuote } from '../shell/quote.ts';

export interface RollbackTarget {
  server: string;
  to: string;
}

export interface RollbackRequest {
  cluster: Cluster;
  pipeline: Pipeline;
  command: 'abort' | 'rollback';
  /** The release being undone (abort) or a label for the run. */
  release: string;
  /** Who goes back to what; servers already on their target are skipped. */
  targets(servers: ReadonlyMap<string, RunServer>, preflight: Preflight): RollbackTarget[];
  /** Most servers out of the pool at once (servers already out count against it). */
  batchSize: number;
  releasesBefore?: ReadonlyMap<string, string | null>;
  continues?: string;
  markBad?: string;
}

export interface RollbackResult {
  exitCode: number;
  outcome: RunOutcome;
  results: ServerResult[];
}

export async function runRollback(request: RollbackRequest, deps: ContextDeps): Promise<RollbackResult> {
  const runId = `${request.command}-${randomUUID().slice(0, 8)}`;
  const ctx = await openRunContext({
    runId,
    cluster: request.cluster,
    pipeline: request.pipeline,
    release: request.release,
    dryRun: false,
    command: request.command,
    ...(request.releasesBefore ? { releasesBefore: request.releasesBefore } : {}),
    deps,
  });
  try {
    return await rollbackWith(ctx, request);
  } finally {
    await ctx.close();
  }
}

async function rollbackWith(ctx: RunContext, request: RollbackRequest): Promise<RollbackResult> {
  const { emit, preflight } = ctx;
  const wanted = request.targets(ctx.servers, preflight);
  emit({
    type: 'run-started',
    cluster: request.cluster.name,
    release: request.release,
    command: request.command,
    ...(request.continues ? { continues: request.continues } : {}),
    // Recorded so that `recover` after a crash finishes this rollback instead of guessing.
    targets: Object.fromEntries(wanted.map((t) => [t.server, t.to])),
    trigger: 'manual',
    dryRun: false,
    ...whoAmI(),
  });
  emit(preflightEvent(preflight));
  if (request.markBad) emit({ type: 'marked-bad', server: '*', release: request.markBad });

  const targets = wanted.filter((t) => preflight.releases.get(t.server) !== t.to);
  // A target missing on a server would drain it only to fail and leave it out of the pool: refuse first.
  const missing = await serversLacking(targets, ctx.servers, ctx.flow.stop);
  if (missing.length > 0) {
    const message = `release ${missing.map((m) => `${m.to} is not on ${m.server}`).join(', ')}; nothing was rolled back`;
    emit({ type: 'warning', code: 'ROLLBACK_TARGET_MISSING', message });
    emit({ type: 'run-finished', outcome: 'refused', exitCode: EXIT.refused, message });
    return { exitCode: EXIT.refused, outcome: 'refused', results: [] };
  }
  const alreadyOut = preflight.pool.servers.filter((s) => !s.inPool).length;
  const room = request.batchSize - alreadyOut;
  const results: ServerResult[] = [];
  if (targets.length > 0 && room < 1) {
    emit({ type: 'warning', code: 'ROLLBACK_NO_ROOM', message: `${alreadyOut} server(s) are already out of the pool; a batch of ${request.batchSize} leaves no room to drain another` });
    emit({ type: 'run-finished', outcome: 'refused', exitCode: EXIT.refused });
    return { exitCode: EXIT.refused, outcome: 'refused', results };
  }
  for (let i = 0; i < targets.length; i += room) {
    if (ctx.flow.stop.aborted) break;
    const batch = targets.slice(i, i + room);
    emit({ type: 'batch-started', index: i / room, servers: batch.map((t) => t.server), purpose: 'rollback' });
    const rolled = await Promise.all(
      batch.map((t) => {
        const server = ctx.servers.get(t.server) as RunServer;
        return rollbackServer(server, ctx.flow, preflight.releases.get(t.server) ?? request.release, t.to);
      }),
    );
    for (const r of rolled) emitFinished(ctx.flow, r);
    results.push(...rolled);
    const ok = rolled.every((r) => r.outcome === 'rolled-back');
    emit({ type: 'batch-finished', index: i / room, ok });
    if (!ok) break;
  }
  const outcome: RunOutcome = results.some((r) => r.outcome === 'rollback-failed' || r.outcome === 'restore-failed')
    ? 'rollback-failed'
    : ctx.flow.stop.aborted
      ? 'interrupted'
      : results.every((r) => r.outcome === 'rolled-back')
        ? 'rolled-back'
        : 'rollback-failed';
  // A completed rollback is what was asked for: exit 0.
  const exitCode = outcome === 'rolled-back' ? EXIT.ok : outcome === 'interrupted' ? EXIT.interrupted : EXIT.rollbackFailed;
  emit({ type: 'run-finished', outcome, exitCode });
  return { exitCode, outcome, results };
}

/** Targets whose release directory (`<root>/releases/<id>`, beside what `current` points to) is absent. */
async function serversLacking(targets: readonly RollbackTarget[], servers: ReadonlyMap<string, RunServer>, signal: AbortSignal): Promise<RollbackTarget[]> {
  const lacking = await Promise.all(
    targets.map(async (t) => {
      const server = servers.get(t.server) as RunServer;
      const dir = `${server.config.app.root ?? '.'}/releases/${t.to}`;
      const result = await server.session.exec({ script: `test -d ${shellQuote(dir)}`, mutates: false, timeoutMs: 15_000, label: 'rollback target exists' }, { signal });
      return result.ok ? undefined : t;
    }),
  );
  return lacking.filter((t): t is RollbackTarget => t !== undefined);
}
