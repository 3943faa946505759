// Rolling servers back to a named release with the same drain discipline as a release:
// `release abort` (a paused canary), `release rollback [--to ID]` (the whole cluster).
// Windows never block a rollback (SPEC "The release" 2).
import type { Cluster, Pipeline } from '../config/types.ts';
import { ReleaseError } from '../core/errors.ts';
import type { RunOutcome } from '../events/types.ts';
import type { ContextDeps } from './context.ts';
import { withRun, type RunResult } from './lifecycle.ts';
import type { Preflight } from './preflight.ts';
import { rollBackInBatches } from './rollback-batches.ts';
import { isStuckOut, type RunServer, type ServerResult } from './types.ts';

/** Who goes back to what (by name). */
export interface RollbackWish {
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
  targets(servers: ReadonlyMap<string, RunServer>, preflight: Preflight): RollbackWish[];
  /** Most servers out of the pool at once (servers already out count against it). */
  batchSize: number;
  releasesBefore?: ReadonlyMap<string, string | null>;
  continues?: string;
  markBad?: string;
  /** Read from the directors' copy (another machine paused the canary): recorded in run-started. */
  adopted?: { from: string; state: unknown };
}

export function rollbackOutcome(results: readonly ServerResult[], interrupted: boolean): RunOutcome {
  if (results.some(isStuckOut)) return 'rollback-failed';
  if (interrupted) return 'interrupted';
  return results.every((r) => r.outcome === 'rolled-back') ? 'rolled-back' : 'rollback-failed';
}

export async function runRollback(request: RollbackRequest, deps: ContextDeps): Promise<RunResult> {
  const { cluster, pipeline } = request;
  return withRun({ kind: request.command, cluster, pipeline, release: request.release, releasesBefore: request.releasesBefore, deps }, async (run) => {
    const { emit, preflight } = run;
    const wanted = request.targets(run.servers, preflight);
    // Recorded so that `recover` after a crash finishes this rollback instead of guessing.
    run.start({ continues: request.continues, targets: Object.fromEntries(wanted.map((t) => [t.server, t.to])), trigger: 'manual', adopted: request.adopted });
    if (request.markBad) emit({ type: 'marked-bad', server: '*', release: request.markBad });

    const todo = wanted.filter((t) => preflight.releases.get(t.server) !== t.to);
    // A target missing on a server would drain it only to fail and leave it out of the pool: refuse first.
    const missing = await serversLacking(todo, run.servers, run.flow.stop);
    if (missing.length > 0) {
      const message = `release ${missing.map((m) => `${m.to} is not on ${m.server}`).join(', ')}; nothing was rolled back`;
      emit({ type: 'warning', code: 'ROLLBACK_TARGET_MISSING', message });
      return { outcome: 'refused', results: [], message };
    }
    const alreadyOut = preflight.pool.servers.filter((s) => !s.inPool).length;
    const room = request.batchSize - alreadyOut;
    if (todo.length > 0 && room < 1) {
      const message = `${alreadyOut} server(s) are already out of the pool; a batch of ${request.batchSize} leaves no room to drain another`;
      emit({ type: 'warning', code: 'ROLLBACK_NO_ROOM', message });
      return { outcome: 'refused', results: [], message };
    }
    const targets = todo.map((t) => ({
      server: run.servers.get(t.server) as RunServer,
      current: preflight.releases.get(t.server) ?? request.release,
      to: t.to,
    }));
    const results = await rollBackInBatches({ targets, room }, run.flow);
    return { outcome: rollbackOutcome(results, run.flow.stop.aborted), results };
  });
}

/** Targets whose release directory (`<root>/releases/<id>`, beside what `current` points to) is absent. */
async function serversLacking(targets: readonly RollbackWish[], servers: ReadonlyMap<string, RunServer>, signal: AbortSignal): Promise<RollbackWish[]> {
  const lacking = await Promise.all(
    targets.map(async (t) => {
      const server = servers.get(t.server);
      if (!server) throw new ReleaseError('INTERNAL', `rollback names unknown server ${t.server}`);
      const dir = `${server.config.app.root ?? '.'}/releases/${t.to}`;
      const result = await server.session.exec({ argv: ['test', '-d', dir], mutates: false, timeoutMs: 15_000, label: 'rollback target exists' }, { signal });
      return result.ok ? undefined : t;
    }),
  );
  return lacking.filter((t): t is RollbackWish => t !== undefined);
}
