// The three drain methods (SPEC "Drain methods"), each acting on every director and confirmed
// by reading every director's table back.
import { ReleaseError } from '../core/errors.ts';
import { confirmTargets, rampTargets, setAndConfirm, type SlotTarget } from './apply.ts';
import { countConnectionsOf } from './connections.ts';
import { findDest, findService } from './pool.ts';
import { shellQuote as shq } from '../shell/quote.ts';
import type { DrainMethod, LbContext, LbDriver, LbServer, SavedSlot } from './types.ts';

const quiesced = (saved: readonly SavedSlot[]): SlotTarget[] => saved.map((slot) => ({ slot, weight: 0 }));
const removed = (saved: readonly SavedSlot[]): SlotTarget[] => saved.map((slot) => ({ slot, weight: null }));

/** Restores saved weights, stepping through the ramp when configured. */
async function restoreWeights(server: LbServer, saved: readonly SavedSlot[], ctx: LbContext): Promise<void> {
  const steps = ctx.ramp?.steps.length ? ctx.ramp.steps : [1];
  for (const [i, fraction] of steps.entries()) {
    const last = i === steps.length - 1;
    await setAndConfirm(server, rampTargets(saved, last ? 1 : fraction), ctx, last ? 'the original weight' : `weight ramp ${Math.round(fraction * 100)}%`);
    if (!last && ctx.ramp) await ctx.clock.sleep(ctx.ramp.intervalMs, ctx.signal);
  }
}

/** Quiesce (-w 0) then, once drained, delete; restore re-adds with the saved method and weight. */
const ipvsadmDriver: LbDriver = {
  method: 'ipvsadm',
  drain: (server, saved, ctx) => setAndConfirm(server, quiesced(saved), ctx, 'weight 0'),
  countConnections: countConnectionsOf,
  // NOTE: only now, with the connections gone: the kernel drops packets of deleted dests.
  finishDrain: (server, saved, ctx) => setAndConfirm(server, removed(saved), ctx, 'the server removed'),
  restore: restoreWeights,
};

/** Quiesce only: the destination stays listed at weight 0. */
const quiesceDriver: LbDriver = {
  method: 'quiesce',
  drain: (server, saved, ctx) => setAndConfirm(server, quiesced(saved), ctx, 'weight 0'),
  countConnections: countConnectionsOf,
  finishDrain: async () => {},
  restore: restoreWeights,
};

export function healthFileAside(path: string): string {
  return `${path}.lvs-release-drained`;
}

async function moveHealthFile(server: LbServer, from: string, to: string, ctx: LbContext, action: 'healthfile-down' | 'healthfile-up'): Promise<void> {
  ctx.emit({ type: 'director-action', stage: 'intent', server: server.name, director: '*', service: '*', action, weightBefore: null, weightAfter: null, detail: `${from} -> ${to}` });
  // Idempotent: if the file is already where it should be (a repeat after a lost connection), succeed.
  const script = `if [ -e ${shq(from)} ]; then mv -f ${shq(from)} ${shq(to)}; elif [ -e ${shq(to)} ]; then :; else echo "neither ${from} nor ${to} exists" >&2; exit 1; fi`;
  const result = await server.session.exec({ script, mutates: true, timeoutMs: ctx.commandTimeoutMs, label: action }, { signal: ctx.signal });
  if (!result.ok) {
    ctx.emit({ type: 'director-action', stage: 'failed', server: server.name, director: '*', service: '*', action, weightBefore: null, weightAfter: null, detail: result.stderr.trim() });
    throw new ReleaseError('RELEASE_FAILED', `${server.name}: could not move the health file (${result.stderr.trim() || `exit ${result.exitCode}`}).`, {
      hint: 'Check app.healthFile in the cluster file: it must be the file the directors\' health check fetches.',
    });
  }
  ctx.emit({ type: 'director-action', stage: 'done', server: server.name, director: '*', service: '*', action, weightBefore: null, weightAfter: null, detail: `${from} -> ${to}` });
}

function healthFileOf(server: LbServer): string {
  if (!server.healthFile) {
    throw new ReleaseError('CONFIG_INVALID', `${server.name}: the healthfile drain method needs app.healthFile in the cluster file.`, {
      hint: 'Set app.healthFile to the file the directors\' health check fetches.',
    });
  }
  return server.healthFile;
}

/** Take the health file away; keepalived (inhibit_on_failure) sets weight 0 on every director. */
const healthFileDriver: LbDriver = {
  method: 'healthfile',
  async drain(server, saved, ctx) {
    const file = healthFileOf(server);
    await moveHealthFile(server, file, healthFileAside(file), ctx, 'healthfile-down');
    // keepalived sets weight 0 (inhibit_on_failure) or deletes the dest: either means out.
    await confirmOut(server, saved, ctx);
  },
  countConnections: countConnectionsOf,
  finishDrain: async () => {},
  async restore(server, saved, ctx) {
    const file = healthFileOf(server);
    await moveHealthFile(server, healthFileAside(file), file, ctx, 'healthfile-up');
    await confirmTargets(server, saved.map((slot) => ({ slot, weight: slot.dest.weight })), ctx, 'the server back with its weight');
  },
};

async function confirmOut(server: LbServer, saved: readonly SavedSlot[], ctx: LbContext): Promise<void> {
  if (ctx.dryRun) return;
  const deadline = ctx.clock.now().getTime() + ctx.confirmTimeoutMs;
  for (;;) {
    const tables = await ctx.readTables(ctx.signal);
    const still = saved.filter((slot) => {
      const table = tables.get(slot.director);
      const service = table && findService(table, slot.service);
      const dest = service && findDest(service, server);
      return dest !== undefined && dest.weight > 0;
    });
    if (still.length === 0) return;
    if (ctx.clock.now().getTime() >= deadline) {
      throw new ReleaseError('RELEASE_FAILED', `${server.name}: the directors still route to it ${Math.round(ctx.confirmTimeoutMs / 1000)}s after its health file was removed (${still.map((s) => `${s.director} ${s.label}`).join(', ')}).`, {
        hint: 'Check that keepalived checks app.healthFile on every director, and raise drain.timeout (the wait is the larger of drain.timeout and 60s) above its delay_loop + retry × delay_before_retry.',
      });
    }
    await ctx.clock.sleep(ctx.pollMs, ctx.signal);
  }
}

export const DRIVERS = {
  ipvsadm: ipvsadmDriver,
  quiesce: quiesceDriver,
  healthfile: healthFileDriver,
} as const satisfies Record<DrainMethod, LbDriver>;
