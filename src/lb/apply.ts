// Changing destinations on every director: compute each command from the table as it is now
// (so a repeat is harmless), journal intent and outcome, then confirm by reading every table back.
import { ReleaseError } from '../core/errors.ts';
import { formatEndpoint } from '../ipvs/address.ts';
import { addDestCommand, deleteDestCommand, editDestCommand, type IpvsCommand } from '../ipvs/commands.ts';
import type { Destination, IpvsTable } from '../ipvs/model.ts';
import { execIpvsadm } from './directors.ts';
import { findDest, findService, type PoolServer } from './pool.ts';
import type { LbContext, LbServer, SavedSlot } from './types.ts';

/** What one slot should look like: a weight, or absent (null). */
export interface SlotTarget {
  slot: SavedSlot;
  weight: number | null;
}

type Action = 'quiesce' | 'delete' | 'add' | 'edit';

function currentDest(tables: ReadonlyMap<string, IpvsTable>, slot: SavedSlot, server: LbServer): Destination | null {
  const table = tables.get(slot.director);
  const service = table && findService(table, slot.service);
  return (service && findDest(service, server)) ?? null;
}

function isSatisfied(current: Destination | null, target: SlotTarget): boolean {
  if (target.weight === null) return current === null;
  return current !== null && current.weight === target.weight && current.forward === target.slot.dest.forward;
}

function commandFor(current: Destination | null, target: SlotTarget): { command: IpvsCommand; action: Action } | undefined {
  if (isSatisfied(current, target)) return undefined;
  const { slot } = target;
  if (target.weight === null) return { command: deleteDestCommand(slot.service, current ?? slot.dest), action: 'delete' };
  if (current === null) return { command: addDestCommand(slot.service, slot.dest, { weight: target.weight }), action: 'add' };
  return {
    command: editDestCommand(slot.service, slot.dest, { weight: target.weight }),
    action: target.weight === 0 ? 'quiesce' : 'edit',
  };
}

/** Sends the commands that bring every slot to its target (nothing for slots already there). */
export async function applyTargets(server: LbServer, targets: readonly SlotTarget[], ctx: LbContext): Promise<void> {
  const tables = await ctx.readTables(ctx.signal);
  const failures: string[] = [];
  await Promise.all(
    targets.map(async (target) => {
      const director = ctx.directors.find((d) => d.name === target.slot.director);
      if (!director) throw new ReleaseError('INTERNAL', `unknown director ${target.slot.director}`);
      const current = currentDest(tables, target.slot, server);
      const step = commandFor(current, target);
      if (!step) return;
      const base = {
        server: server.name,
        director: director.name,
        service: target.slot.label,
        action: step.action,
        weightBefore: current?.weight ?? null,
        weightAfter: target.weight,
        forward: step.command.argv.find((a) => a === '-g' || a === '-m' || a === '-i'),
        connections: current ? current.activeConns + current.inactiveConns : 0,
      } as const;
      ctx.emit({ type: 'director-action', stage: 'intent', ...base });
      const result = await execIpvsadm(director, step.command, {
        sudo: ctx.sudo,
        timeoutMs: ctx.commandTimeoutMs,
        signal: ctx.signal,
      });
      if (result.ok) {
        ctx.onApplied?.(server, target.slot, target.weight);
        ctx.emit({ type: 'director-action', stage: 'done', ...base });
        return;
      }
      const detail = result.connectionLost ? 'SSH connection lost' : result.timedOut ? 'timed out' : `exit ${result.exitCode}: ${result.stderr.trim()}`;
      ctx.emit({ type: 'director-action', stage: 'failed', ...base, detail });
      failures.push(`${director.name}: ${result.command} (${detail})`);
    }),
  );
  // A failed command may still have taken effect (lost connection): the tables decide.
  if (failures.length > 0) {
    const after = await ctx.readTables(ctx.signal);
    const unmet = targets.filter((t) => !isSatisfied(currentDest(after, t.slot, server), t));
    if (unmet.length > 0) {
      throw new ReleaseError('RELEASE_FAILED', `Could not change ${server.name} on every director: ${failures.join('; ')}`, {
        hint: 'Check the director named above; the release puts the server back where it can.',
        details: { server: server.name, failures },
      });
    }
  }
}

/** Polls every director until each slot shows its target, or fails after confirmTimeoutMs. */
export async function confirmTargets(
  server: LbServer,
  targets: readonly SlotTarget[],
  ctx: LbContext,
  what: string,
): Promise<void> {
  if (ctx.dryRun) return;
  const deadline = ctx.clock.now().getTime() + ctx.confirmTimeoutMs;
  for (;;) {
    const tables = await ctx.readTables(ctx.signal);
    const unmet = targets.filter((t) => !isSatisfied(currentDest(tables, t.slot, server), t));
    if (unmet.length === 0) return;
    if (ctx.clock.now().getTime() >= deadline) {
      const list = unmet
        .map((t) => {
          const cur = currentDest(tables, t.slot, server);
          return `${t.slot.director} ${t.slot.label} ${formatEndpoint(t.slot.dest)}: ${cur ? `weight ${cur.weight}` : 'absent'}, wanted ${t.weight ?? 'absent'}`;
        })
        .join('; ');
      throw new ReleaseError('RELEASE_FAILED', `${server.name}: directors did not show ${what} within ${Math.round(ctx.confirmTimeoutMs / 1000)}s (${list}).`, {
        hint: 'Something else manages these tables (keepalived?) or a director is lagging; see `release doctor`.',
        details: { server: server.name },
      });
    }
    await ctx.clock.sleep(ctx.pollMs, ctx.signal);
  }
}

/** Apply, then confirm on every director. */
export async function setAndConfirm(server: LbServer, targets: readonly SlotTarget[], ctx: LbContext, what: string): Promise<void> {
  await applyTargets(server, targets, ctx);
  await confirmTargets(server, targets, ctx, what);
}

/** The weights to restore in ramp steps: fractions of each slot's saved weight, at least 1. */
export function rampTargets(saved: readonly SavedSlot[], fraction: number): SlotTarget[] {
  return saved.map((slot) => ({
    slot,
    weight: slot.dest.weight === 0 ? 0 : Math.min(slot.dest.weight, Math.max(1, Math.floor(slot.dest.weight * fraction))),
  }));
}

/** The tables as they would be after the changes a dry run reported: real tables + overrides. */
export function simulateTables(
  real: ReadonlyMap<string, IpvsTable>,
  overrides: ReadonlyArray<{ server: PoolServer; slot: SavedSlot; weight: number | null }>,
): Map<string, IpvsTable> {
  const out = new Map<string, IpvsTable>();
  for (const [director, table] of real) {
    out.set(director, {
      ...table,
      services: table.services.map((service) => {
        let dests = service.dests;
        for (const o of overrides) {
          if (o.slot.director !== director || !findService({ ...table, services: [service] }, o.slot.service)) continue;
          const current = findDest({ ...service, dests }, o.server);
          if (o.weight === null) dests = dests.filter((d) => d !== current);
          else if (current) dests = dests.map((d) => (d === current ? { ...d, weight: o.weight as number } : d));
          else dests = [...dests, { ...o.slot.dest, weight: o.weight, activeConns: 0, inactiveConns: 0, persistConns: 0 }];
        }
        return { ...service, dests };
      }),
    });
  }
  return out;
}
