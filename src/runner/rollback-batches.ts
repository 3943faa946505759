// Rolling servers back in batches with the same drain discipline as a release: after a failed
// release (`rollback: all`), `release abort`, `release rollback` and recover's in-pool servers.
// Invariant 1 holds here too: never more out of the pool than `room` at once.
import { emitFinished, rollbackServer } from './flow.ts';
import type { FlowContext, RunServer, ServerResult } from './types.ts';

export interface RollbackTarget {
  server: RunServer;
  /** What it runs now (the release being undone). */
  current: string;
  /** What it goes back to; null: nothing recorded (it is left out and named, never guessed). */
  to: string | null;
}

/** Rolls back `room` servers at a time; stops before the next batch after a failure or an interrupt. */
export async function rollBackInBatches(input: { targets: readonly RollbackTarget[]; room: number }, ctx: FlowContext): Promise<ServerResult[]> {
  const { targets, room } = input;
  const results: ServerResult[] = [];
  for (let i = 0; i < targets.length; i += room) {
    if (ctx.stop.aborted) break;
    const batch = targets.slice(i, i + room);
    const index = i / room;
    ctx.emit({ type: 'batch-started', index, servers: batch.map((t) => t.server.name), purpose: 'rollback' });
    const rolled = await Promise.all(batch.map((t) => rollbackServer({ server: t.server, current: t.current, to: t.to }, ctx)));
    for (const r of rolled) emitFinished(ctx, r);
    results.push(...rolled);
    const ok = rolled.every((r) => r.outcome === 'rolled-back');
    ctx.emit({ type: 'batch-finished', index, ok });
    if (!ok) break;
  }
  return results;
}
