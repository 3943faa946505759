// `release recover`: after a crash, kill -9 or a lost run, bring every server the journal
// touched to one consistent release and back into the pool with its recorded weights, verifying
// each with its smoke checks first. Idempotent: on a healthy cluster it changes nothing.
// Decided per server: a server some run left drained (whatever ran after it) goes back to what
// that run decided, with the weights saved before its first drain.
import { randomUUID } from 'node:crypto';
import type { Cluster, Pipeline } from '../config/types.ts';
import { EXIT } from '../core/errors.ts';
import type { RunOutcome, SavedSlotRecord } from '../events/types.ts';
import { serializeState, owedServers, recoveryTarget, type RunJournalState } from '../journal/replay.ts';
import type { SavedSlot } from '../lb/types.ts';
import { emitFinished } from './batches.ts';
import { openRunContext, preflightEvent, whoAmI, type ContextDeps, type RunContext } from './context.ts';
import { restoreServer, rollbackServer } from './flow.ts';
import type { RunServer, ServerResult } from './types.ts';

export { recoveryTarget } from '../journal/replay.ts';

export interface RecoverRequest {
  cluster: Cluster;
  pipeline: Pipeline;
  /** The journal state to recover from; default: what the run context read (local, or the directors' copy). */
  journal?: RunJournalState;
}

export interface RecoverResult {
  exitCode: number;
  outcome: RunOutcome;
  results: ServerResult[];
  /** Servers that needed nothing. */
  untouched: string[];
}

export function slotsFromRecords(records: readonly SavedSlotRecord[]): SavedSlot[] {
  return records.map((r) => ({ ...r, dest: { ...r.dest, activeConns: 0, inactiveConns: 0, persistConns: 0 } }));
}

export async function runRecover(request: RecoverRequest, deps: ContextDeps): Promise<RecoverResult> {
  const runId = `recover-${randomUUID().slice(0, 8)}`;
  const ctx = await openRunContext({
    runId,
    cluster: request.cluster,
    pipeline: request.pipeline,
    release: request.journal?.release ?? 'recover',
    dryRun: false,
    command: 'recover',
    deps,
  });
  try {
    return await recoverWith(ctx, request);
  } finally {
    await ctx.close();
  }
}

async function recoverWith(ctx: RunContext, request: RecoverRequest): Promise<RecoverResult> {
  const { emit, preflight, flow } = ctx;
  const journal = request.journal ?? ctx.journal.state;
  // Another machine ran last (or this one has no journal): adopt the directors' copy, recorded,
  // so this machine's journal (and the copy it writes) keeps what is still owed.
  const adopted = !request.journal && ctx.journal.from !== 'local' ? { from: ctx.journal.from, state: serializeState(journal) } : undefined;
  emit({ type: 'run-started', cluster: request.cluster.name, release: journal.release ?? 'recover', command: 'recover', ...(journal.runId ? { continues: journal.runId } : {}), trigger: 'manual', dryRun: false, ...whoAmI(), ...(adopted ? { adopted } : {}) });
  if (adopted) emit({ type: 'warning', code: 'JOURNAL_FROM_DIRECTOR', director: adopted.from, message: `this machine's journal is older or empty: recovering from the copy on ${adopted.from} (run ${journal.runId ?? '?'}, release ${journal.release ?? '?'})` });
  emit(preflightEvent(preflight));
  const results: ServerResult[] = [];
  const untouched: string[] = [];
  const inPool = new Map(preflight.pool.servers.map((s) => [s.server, s.inPool]));

  // First the servers a run left out of the pool (this one or any before it): they are out
  // already, so fixing them drains nobody new. Then in-pool servers on the wrong release, one at a time.
  const drainedByUs = owedServers(journal);
  for (const entry of drainedByUs) {
    const server = ctx.servers.get(entry.server) as RunServer | undefined;
    if (!server || !entry.drained) continue;
    const target = recoveryTarget(journal, entry.server);
    const saved = slotsFromRecords(entry.drained.saved);
    const result = await repairDrained(server, ctx, saved, target);
    emitFinished(flow, result);
    results.push(result);
  }
  for (const config of request.cluster.realServers) {
    if (drainedByUs.some((s) => s.server === config.name)) continue;
    const target = recoveryTarget(journal, config.name);
    const current = preflight.releases.get(config.name) ?? null;
    const server = ctx.servers.get(config.name) as RunServer;
    if (target === null || current === target || !inPool.get(config.name)) {
      untouched.push(config.name);
      continue;
    }
    emit({ type: 'batch-started', index: results.length, servers: [config.name], purpose: 'rollback' });
    const result = await rollbackServer(server, flow, current ?? target, target);
    emitFinished(flow, result);
    results.push(result);
    if (result.outcome !== 'rolled-back') break;
  }
  const stuck = results.some((r) => r.outcome === 'rollback-failed' || r.outcome === 'restore-failed' || r.outcome === 'restored');
  const outcome: RunOutcome = stuck ? 'rollback-failed' : 'rolled-back';
  const exitCode = stuck ? EXIT.rollbackFailed : EXIT.ok;
  emit({ type: 'run-finished', outcome, exitCode, message: `recovered ${results.length} server(s); ${untouched.length} needed nothing` });
  return { exitCode, outcome, results, untouched };
}

/**
 * A server our run drained. It may be out on every director, or already back on some (a crash
 * mid-restore). If it runs the target and passes its checks, it only needs its weights back;
 * anything else (switch, restart) happens drained again, with the weights the journal saved.
 */
async function repairDrained(server: RunServer, ctx: RunContext, saved: SavedSlot[], target: string | null): Promise<ServerResult> {
  const { flow, preflight } = ctx;
  const startedAt = flow.clock.now().getTime();
  const current = preflight.releases.get(server.name) ?? null;
  const to = target ?? current;
  const base = { server: server.name, releaseBefore: current, releaseAfter: current, outOfPoolMs: 0, drainMs: 0 };
  if (to === null) return { ...base, outcome: 'rollback-failed', failedStep: 'recover', error: 'no release is recorded for this server and `current` is unreadable' };
  if (current === to) {
    const verified = await flow.runPhase('verify', server, { release: to, previous: null }, flow.never);
    if (verified.ok) {
      const restored = await restoreServer(server, saved, startedAt, flow);
      if (!restored.ok) return { ...base, outcome: 'restore-failed', failedStep: 'restore', error: restored.error };
      return { ...base, releaseAfter: to, outcome: 'rolled-back', outOfPoolMs: flow.clock.now().getTime() - startedAt };
    }
  }
  // Drain (again) before touching the app: restore puts back the journal's weights, not today's.
  const withSaved = { ...flow, savedSlots: () => saved };
  return rollbackServer(server, withSaved, current ?? to, to);
}
