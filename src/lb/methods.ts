// The three drain methods (SPEC "Drain methods"), each acting on every director and confirmed
// by reading every director's table back. Each step returns a value; nothing here throws.
import { idempotentMoveScript } from '../shell/idempotent-move.ts';
import { formatEndpoint } from '../ipvs/address.ts';
import { confirmTargets, currentDest, rampTargets, setAndConfirm } from './apply.ts';
import { countFromGroups } from './connections.ts';
import type { DrainMethod, HardCut, LbContext, LbDriver, LbServer, LbStep, SavedSlot, SlotTarget } from './types.ts';

const quiesced = (saved: readonly SavedSlot[]): SlotTarget[] => saved.map((slot) => ({ slot, weight: 0 }));
const removed = (saved: readonly SavedSlot[]): SlotTarget[] => saved.map((slot) => ({ slot, weight: null }));
const OK: LbStep = { ok: true };

/** Restores saved weights, stepping through the ramp when configured. */
async function restoreWeights(server: LbServer, saved: readonly SavedSlot[], ctx: LbContext): Promise<LbStep> {
  const steps = ctx.ramp?.steps.length ? ctx.ramp.steps : [1];
  for (const [i, fraction] of steps.entries()) {
    const last = i === steps.length - 1;
    const step = await setAndConfirm(
      server,
      rampTargets(saved, last ? 1 : fraction),
      ctx,
      last ? 'the original weight' : `weight ramp ${Math.round(fraction * 100)}%`,
    );
    if (!step.ok) return step;
    if (!last && ctx.ramp) await ctx.clock.sleep(ctx.ramp.intervalMs, ctx.signal);
  }
  return OK;
}

/** Quiesce (-w 0) then, once drained, delete; restore re-adds with the saved method and weight. */
const ipvsadmDriver: LbDriver = {
  method: 'ipvsadm',
  drain: (server, saved, ctx) => setAndConfirm(server, quiesced(saved), ctx, 'weight 0'),
  // NOTE: only now, with the connections gone: the kernel drops packets of deleted dests.
  finishDrain: (server, saved, ctx) => setAndConfirm(server, removed(saved), ctx, 'the server removed'),
  restore: restoreWeights,
};

/** Quiesce only: the destination stays listed at weight 0. */
const quiesceDriver: LbDriver = {
  method: 'quiesce',
  drain: (server, saved, ctx) => setAndConfirm(server, quiesced(saved), ctx, 'weight 0'),
  finishDrain: async () => OK,
  restore: restoreWeights,
};

export function healthFileAside(path: string): string {
  return `${path}.lvs-release-drained`;
}

async function moveHealthFile(server: LbServer, from: string, to: string, ctx: LbContext, action: 'healthfile-down' | 'healthfile-up'): Promise<LbStep> {
  const record = { server: server.name, director: '*', service: '*', action, weightBefore: null, weightAfter: null, detail: `${from} -> ${to}` } as const;
  ctx.emit({ type: 'director-action', stage: 'intent', ...record });
  // Idempotent: if the file is already where it should be (a repeat after a lost connection), succeed.
  const script = idempotentMoveScript(from, to).text;
  const result = await server.session.exec({ script, mutates: true, timeoutMs: ctx.commandTimeoutMs, label: action }, { signal: ctx.signal });
  if (!result.ok) {
    const why = result.stderr.trim() || `exit ${result.exitCode}`;
    ctx.emit({ type: 'director-action', stage: 'failed', ...record, detail: why });
    return {
      ok: false,
      error: `${server.name}: could not move the health file (${why}); app.healthFile in the cluster file must be the file the directors' health check fetches`,
    };
  }
  ctx.emit({ type: 'director-action', stage: 'done', ...record });
  return OK;
}

/**
 * The destinations keepalived deleted rather than quiesced (no inhibit_on_failure): a hard cut.
 * Their live connections are counted from the directors' connection tables right away: the
 * entries outlive the destination (LVS.md §4.1), so the count is what the cut dropped.
 */
async function hardCutsOf(server: LbServer, saved: readonly SavedSlot[], ctx: LbContext): Promise<HardCut[]> {
  const tables = await ctx.tables.read(ctx.signal);
  if (!tables.ok) return [];
  const cut = saved.filter((slot) => currentDest(tables.tables, slot, server) === null);
  if (cut.length === 0) return [];
  const conns = await ctx.tables.readConnections(ctx.signal);
  return cut.map((slot) => {
    const connections = conns.ok ? countFromGroups(new Map([[slot.director, conns.groups.get(slot.director) ?? []]]), [slot]).count : 0;
    const counted = conns.ok ? `${connections} live connection(s) cut` : `its connections could not be counted (${conns.error})`;
    ctx.emit({
      type: 'warning',
      code: 'HARD_CUT',
      server: server.name,
      director: slot.director,
      message: `keepalived on ${slot.director} deleted ${server.name} (${formatEndpoint(slot.dest)}) from ${slot.label} instead of setting weight 0 (no inhibit_on_failure; drain.allowHardCut): ${counted}`,
    });
    return { slot, connections };
  });
}

/** Take the health file away; keepalived (inhibit_on_failure) sets weight 0 on every director. */
const healthFileDriver: LbDriver = {
  method: 'healthfile',
  async drain(server, saved, ctx) {
    if (!server.healthFile) return { ok: false, error: `${server.name}: the healthfile drain method needs app.healthFile in the cluster file` };
    const moved = await moveHealthFile(server, server.healthFile, healthFileAside(server.healthFile), ctx, 'healthfile-down');
    if (!moved.ok) return moved;
    // keepalived sets weight 0 (inhibit_on_failure) or deletes the dest: either means out.
    const out = await confirmTargets(
      server,
      saved.map((slot) => ({ slot, weight: 'out' })),
      ctx,
      'it out of the pool after its health file was removed',
    );
    if (out.ok) {
      const hardCut = await hardCutsOf(server, saved, ctx);
      return hardCut.length > 0 ? { ok: true, hardCut } : out;
    }
    return {
      ok: false,
      error: `${out.error}; check that keepalived checks app.healthFile on every director, and raise drain.timeout above its delay_loop + retry × delay_before_retry`,
    };
  },
  finishDrain: async () => OK,
  async restore(server, saved, ctx) {
    if (!server.healthFile) return { ok: false, error: `${server.name}: the healthfile drain method needs app.healthFile in the cluster file` };
    const moved = await moveHealthFile(server, healthFileAside(server.healthFile), server.healthFile, ctx, 'healthfile-up');
    if (!moved.ok) return moved;
    return confirmTargets(
      server,
      saved.map((slot) => ({ slot, weight: slot.dest.weight })),
      ctx,
      'the server back with its weight',
    );
  },
};

export const DRIVERS = {
  ipvsadm: ipvsadmDriver,
  quiesce: quiesceDriver,
  healthfile: healthFileDriver,
} as const satisfies Record<DrainMethod, LbDriver>;
