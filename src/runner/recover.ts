// `release recover`: after a crash, kill -9 or a lost run, bring every server the journal
// touched to one consistent release and back into the pool with its recorded weights, verifying
// each with its smoke checks first. Idempotent: on a healthy cluster it changes nothing.
// Decided per server: a server some run left drained (whatever ran after it) goes back to what
// that run decided, with the weights saved before its first drain.
import type { Cluster, Pipeline } from '../config/types.ts';
import type { SavedSlotRecord } from '../events/types.ts';
import { owedServers, recoveryTarget, serializeState, type RunJournalState } from '../journal/replay.ts';
import type { SavedSlot } from '../lb/types.ts';
import type { ContextDeps } from './context.ts';
import { emitFinished, restoreServer, rollbackServer } from './flow.ts';
import { withRun, type Run, type RunResult } from './lifecycle.ts';
import { rollbackOutcome } from './rollback.ts';
import { rollBackInBatches, type RollbackTarget } from './rollback-batches.ts';
import { isStuckOut, type RunServer, type ServerResult } from './types.ts';

export { recoveryTarget } from '../journal/replay.ts';

export interface RecoverRequest {
  cluster: Cluster;
  pipeline: Pipeline;
  /** The journal state to recover from; default: what the run context read (local, or the directors' copy). */
  journal?: RunJournalState;
}

export function slotsFromRecords(records: readonly SavedSlotRecord[]): SavedSlot[] {
  return records.map((r) => ({ ...r, dest: { ...r.dest, activeConns: 0, inactiveConns: 0, persistConns: 0 } }));
}

export async function runRecover(request: RecoverRequest, deps: ContextDeps): Promise<RunResult<{ untouched: string[] }>> {
  const { cluster, pipeline } = request;
  return withRun({ kind: 'recover', cluster, pipeline, release: request.journal?.release ?? 'recover', deps }, async (run) => {
    const { emit, preflight } = run;
    const journal = request.journal ?? run.journal.state;
    // Another machine ran last (or this one has no journal): adopt the directors' copy, recorded,
    // so this machine's journal (and the copy it writes) keeps what is still owed.
    const adopted = !request.journal && run.journal.from !== 'local' ? { from: run.journal.from, state: serializeState(journal) } : undefined;
    run.start({ continues: journal.runId ?? undefined, trigger: 'manual', adopted });
    if (adopted)
      emit({
        type: 'warning',
        code: 'JOURNAL_FROM_DIRECTOR',
        director: adopted.from,
        message: `this machine's journal is older or empty: recovering from the copy on ${adopted.from} (run ${journal.runId ?? '?'}, release ${journal.release ?? '?'})`,
      });

    // First the servers a run left out of the pool (this one or any before it): they are out
    // already, so fixing them drains nobody new. Then in-pool servers on the wrong release, one at a time.
    const results: ServerResult[] = [];
    const owed = owedServers(journal);
    for (const entry of owed) {
      const server = run.servers.get(entry.server);
      if (!server || !entry.drained) continue;
      const result = await repairDrained(server, run, slotsFromRecords(entry.drained.saved), recoveryTarget(journal, entry.server));
      emitFinished(run.flow, result);
      results.push(result);
    }
    const inPool = new Map(preflight.pool.servers.map((s) => [s.server, s.inPool]));
    const untouched: string[] = [];
    const targets: RollbackTarget[] = [];
    for (const config of cluster.realServers) {
      if (owed.some((s) => s.server === config.name)) continue;
      const target = recoveryTarget(journal, config.name);
      const current = preflight.releases.get(config.name) ?? null;
      if (target === null || current === target || !inPool.get(config.name)) untouched.push(config.name);
      else targets.push({ server: run.servers.get(config.name) as RunServer, current: current ?? target, to: target });
    }
    results.push(...(await rollBackInBatches({ targets, room: 1 }, run.flow)));
    const outcome = results.some((r) => isStuckOut(r) || r.outcome === 'restored') ? 'rollback-failed' : rollbackOutcome(results, run.flow.stop.aborted);
    return { outcome, results, message: `recovered ${results.length} server(s); ${untouched.length} needed nothing`, extra: { untouched } };
  });
}

/**
 * A server a run drained. It may be out on every director, or already back on some (a crash
 * mid-restore). If it runs the target and passes its checks, it only needs its weights back;
 * anything else (switch, restart) happens drained again, with the weights the journal saved.
 */
async function repairDrained(server: RunServer, run: Run, saved: SavedSlot[], target: string | null): Promise<ServerResult> {
  const { flow, preflight } = run;
  const startedAt = flow.clock.now().getTime();
  const current = preflight.releases.get(server.name) ?? null;
  const to = target ?? current;
  const base = { server: server.name, releaseBefore: current, releaseAfter: current, outOfPoolMs: 0, drainMs: 0 };
  if (to === null)
    return { ...base, outcome: 'rollback-failed', failedStep: 'recover', error: 'no release is recorded for this server and `current` is unreadable' };
  if (current === to) {
    const verified = await flow.runPhase('verify', server, { release: to, previous: null }, flow.never);
    if (verified.ok) {
      const restored = await restoreServer({ server, saved, startedAt }, flow);
      if (!restored.ok) return { ...base, outcome: 'restore-failed', failedStep: 'restore', error: restored.error };
      return { ...base, releaseAfter: to, outcome: 'rolled-back', outOfPoolMs: flow.clock.now().getTime() - startedAt };
    }
  }
  // Drain (again) before touching the app: restore puts back the journal's weights, not today's.
  return rollbackServer({ server, current: current ?? to, to }, { ...flow, savedSlots: () => saved });
}
