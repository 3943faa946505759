// Changing destinations on every director: compute each command from the tables (the last read,
// or as they are now when that will not do; a repeat is harmless), journal intent and outcome,
// then confirm by reading every table back.
import { formatEndpoint } from '../ipvs/address.ts';
import { addDestCommand, deleteDestCommand, editDestCommand, type IpvsCommand } from '../ipvs/commands.ts';
import type { Destination, IpvsTable } from '../ipvs/model.ts';
import { findDest, findService, type PoolServer } from './pool.ts';
import type { LbContext, LbServer, LbStep, SavedSlot, SlotTarget, SlotWant, UnmetTarget } from './types.ts';

type Action = 'quiesce' | 'delete' | 'add' | 'edit';

/** The destination of `server` in the slot's service on the slot's director, or null. */
export function currentDest(tables: ReadonlyMap<string, IpvsTable>, slot: SavedSlot, server: PoolServer): Destination | null {
  const table = tables.get(slot.director);
  const service = table && findService(table, slot.service);
  return (service && findDest(service, server)) ?? null;
}

export function isSatisfied(current: Destination | null, target: SlotTarget): boolean {
  if (target.weight === 'out') return current === null || current.weight === 0;
  if (target.weight === null) return current === null;
  return current !== null && current.weight === target.weight && current.forward === target.slot.dest.forward;
}

/** The targets not yet shown by `tables`, with what each director shows. */
export function unmetTargets(tables: ReadonlyMap<string, IpvsTable>, server: PoolServer, targets: readonly SlotTarget[]): UnmetTarget[] {
  return targets.flatMap((target) => {
    const shown = currentDest(tables, target.slot, server);
    return isSatisfied(shown, target) ? [] : [{ target, shown }];
  });
}

function describeWant(want: SlotWant): string {
  return want === null ? 'absent' : want === 'out' ? 'weight 0 or absent' : `weight ${want}`;
}

/** `lvs2 TCP 10.0.0.100:80 10.0.1.11:80: weight 100, wanted weight 0` for each unmet target. */
export function describeUnmet(unmet: readonly UnmetTarget[]): string {
  return unmet
    .map(
      ({ target, shown }) =>
        `${target.slot.director} ${target.slot.label} ${formatEndpoint(target.slot.dest)}: ${shown ? `weight ${shown.weight}` : 'absent'}, wanted ${describeWant(target.weight)}`,
    )
    .join('; ');
}

/** The ipvsadm command that brings one slot from `current` to its target; none when it is there. */
export function commandFor(current: Destination | null, target: SlotTarget): { command: IpvsCommand; action: Action } | undefined {
  if (isSatisfied(current, target)) return undefined;
  const { slot } = target;
  const weight = target.weight === 'out' ? 0 : target.weight;
  if (weight === null) return { command: deleteDestCommand(slot.service, current ?? slot.dest), action: 'delete' };
  if (current === null) return { command: addDestCommand(slot.service, slot.dest, { weight }), action: 'add' };
  return { command: editDestCommand(slot.service, slot.dest, { weight }), action: weight === 0 ? 'quiesce' : 'edit' };
}

interface Sent {
  sent: number;
  /** For people, one per failed command. */
  failures: string[];
  /** The commands that ran and failed (director and argv; '' when the outcome is unknown), never sent twice. */
  failed: string[];
}

const keyOf = (director: string, command: IpvsCommand) => JSON.stringify([director, command.argv]);

/**
 * Sends the commands that bring every slot from `tables` to its target, but none in `failed`
 * (a command that failed is reported, not sent again: it would fail the same way).
 */
async function sendFrom(
  tables: ReadonlyMap<string, IpvsTable>,
  server: LbServer,
  targets: readonly SlotTarget[],
  ctx: LbContext,
  failed: readonly string[] = [],
): Promise<Sent & { unsent: string[] }> {
  const unsent: string[] = [];
  const steps = targets.flatMap((target) => {
    const current = currentDest(tables, target.slot, server);
    const step = commandFor(current, target);
    if (!step) return [];
    if (failed.includes(keyOf(target.slot.director, step.command))) {
      unsent.push(keyOf(target.slot.director, step.command));
      return [];
    }
    const record = {
      server: server.name,
      director: target.slot.director,
      service: target.slot.label,
      action: step.action,
      weightBefore: current?.weight ?? null,
      weightAfter: target.weight === 'out' ? 0 : target.weight,
      forward: step.command.argv.find((a) => a === '-g' || a === '-m' || a === '-i'),
      connections: current ? current.activeConns + current.inactiveConns : 0,
    } as const;
    return [{ director: target.slot.director, command: step.command, record }];
  });
  if (steps.length === 0) return { sent: 0, failures: [], failed: [], unsent };
  // NOTE: every intent is journaled before any command is sent: a crash in between loses nothing.
  for (const s of steps) ctx.emit({ type: 'director-action', stage: 'intent', ...s.record });
  // A quiesce: the drain wait counts next, from the same exec.
  const outcomes = await ctx.tables.apply(steps, ctx.signal, { thenCount: targets.every((t) => t.weight === 0) });
  const failures: string[] = [];
  const failedNow: string[] = [];
  steps.forEach((s, i) => {
    const outcome = outcomes[i];
    if (outcome?.ok) {
      ctx.emit({ type: 'director-action', stage: 'done', ...s.record });
      return;
    }
    const detail = outcome ? outcome.detail : 'no outcome was reported';
    ctx.emit({ type: 'director-action', stage: 'failed', ...s.record, detail });
    failures.push(`${s.director}: ${outcome?.command ?? s.command.argv.join(' ')} (${detail})`);
    // A command whose outcome is unknown (a lost connection) may be sent again once a fresh read
    // shows it did not take effect; one that ran and failed would fail the same way.
    failedNow.push(outcome && !outcome.ok && outcome.unknown ? '' : keyOf(s.director, s.command));
  });
  return { sent: steps.length, failures, failed: failedNow, unsent };
}

/**
 * Sends the commands that bring every slot to its target (nothing for slots already there).
 * They are computed from the last table read (no round trip: every change comes back with the
 * table that confirms it) when that asks for commands and they all succeed; otherwise, when it
 * shows nothing to do or a command failed, from the tables as they are now, so an outside change
 * (keepalived) is never missed and a repeat is harmless.
 */
export async function applyTargets(server: LbServer, targets: readonly SlotTarget[], ctx: LbContext): Promise<LbStep> {
  const recent = await ctx.tables.read(ctx.signal, { recent: true });
  const first = recent.ok ? await sendFrom(recent.tables, server, targets, ctx) : undefined;
  if (first && first.sent > 0 && first.failures.length === 0) return { ok: true };
  const before = await ctx.tables.read(ctx.signal);
  if (!before.ok) return { ok: false, error: `${server.name}: ${before.error}` };
  const again = await sendFrom(before.tables, server, targets, ctx, first?.failed);
  // The same command, computed again from the tables as they are: its first failure stands.
  const failures = [...(first?.failures.filter((_, i) => again.unsent.includes(first.failed[i] as string)) ?? []), ...again.failures];
  if (failures.length === 0) return { ok: true };
  // A failed command may still have taken effect (lost connection): the tables decide.
  const after = await ctx.tables.read(ctx.signal);
  if (after.ok && unmetTargets(after.tables, server, targets).length === 0) return { ok: true };
  return { ok: false, error: `could not change ${server.name} on every director: ${failures.join('; ')}` };
}

/** Waits until every director shows the targets; a value saying which did not, and what they show. */
export async function confirmTargets(server: LbServer, targets: readonly SlotTarget[], ctx: LbContext, what: string): Promise<LbStep> {
  const confirmed = await ctx.tables.confirm(server, targets, { timeoutMs: ctx.confirmTimeoutMs, signal: ctx.signal });
  if (confirmed.ok) return confirmed;
  const shown = confirmed.unmet.length > 0 ? describeUnmet(confirmed.unmet) : (confirmed.error ?? 'the tables could not be read');
  return { ok: false, error: `${server.name}: the directors did not show ${what} within ${Math.round(ctx.confirmTimeoutMs / 1000)}s (${shown})` };
}

/** Apply, then confirm on every director. */
export async function setAndConfirm(server: LbServer, targets: readonly SlotTarget[], ctx: LbContext, what: string): Promise<LbStep> {
  const applied = await applyTargets(server, targets, ctx);
  if (!applied.ok) return applied;
  return confirmTargets(server, targets, ctx, what);
}

/** The weights to restore in ramp steps: fractions of each slot's saved weight, at least 1. */
export function rampTargets(saved: readonly SavedSlot[], fraction: number): SlotTarget[] {
  return saved.map((slot) => ({
    slot,
    weight: slot.dest.weight === 0 ? 0 : Math.min(slot.dest.weight, Math.max(1, Math.floor(slot.dest.weight * fraction))),
  }));
}
