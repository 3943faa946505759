// One server's way through a batch: drain on every director → wait for zero connections →
// deploy → verify → restore (then cleanup, beside the next batch); on failure, roll back to the
// recorded release, verify, and restore, or stay out and be named. Outcomes are values; only bugs throw, and even a bug
// in a drain step puts the server back rather than leave it out of the pool. DR/TUN servers are
// checked too (ctx.hostChecks): their network after verify, the VIP path after the restore.
import { isReleaseError } from '../core/errors.ts';
import type { SavedSlotRecord } from '../events/types.ts';
import type { ConnectionCount, CountResult, HardCut, LbStep, SavedSlot } from '../lb/types.ts';
import { waitForDrain } from '../lb/wait-drained.ts';
import type { FlowContext, RunServer, ServerResult } from './types.ts';

function message(error: unknown): string {
  if (isReleaseError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** A driver step that threw (a bug) is a failed step, so the flow still puts the server back. */
async function guarded(step: () => Promise<LbStep>): Promise<LbStep> {
  try {
    return await step();
  } catch (error) {
    return { ok: false, error: `internal error: ${message(error)}` };
  }
}

export function slotRecords(saved: readonly SavedSlot[]): SavedSlotRecord[] {
  return saved.map(({ director, service, label, dest }) => ({
    director,
    service,
    label,
    dest: {
      family: dest.family,
      address: dest.address,
      port: dest.port,
      forward: dest.forward,
      weight: dest.weight,
      upperThreshold: dest.upperThreshold,
      lowerThreshold: dest.lowerThreshold,
      tunnelType: dest.tunnelType,
      tunnelPort: dest.tunnelPort,
      tunnelChecksum: dest.tunnelChecksum,
    },
  }));
}

/** A server out of the pool: what to put back, and since when. */
export interface Drained {
  saved: SavedSlot[];
  startedAt: number;
  drainMs: number;
}

/** `finishing`: the end of the drain (ipvsadm: the delete, confirmed) when it was left to run on. */
type DrainOutcome = { ok: true; drained: Drained; finishing: Promise<LbStep> } | { ok: false; result: ServerResult };

/**
 * What the drain wait counts: the server's connections in the slots still to drain (a hard cut's
 * are gone), plus its persistence templates when the pipeline waits for them too
 * (drain.waitForPersistence). `last` keeps the two apart for the progress events.
 */
function counter(server: RunServer, slots: readonly SavedSlot[], ctx: FlowContext, cut: readonly HardCut[]) {
  let last: ConnectionCount = { count: 0, persist: 0 };
  const count = async (signal: AbortSignal): Promise<CountResult> => {
    if (slots.length === 0 && cut.length > 0) return { ok: true, count: 0, persist: 0 };
    const counted = await ctx.lb.connections.count(server, slots, signal);
    if (!counted.ok) return counted;
    last = { count: counted.count, persist: counted.persist };
    return ctx.drain.waitForPersistence ? { ...counted, count: counted.count + counted.persist } : counted;
  };
  return { count, last: () => last };
}

/** Drains the server and waits for its connections; on any problem puts it back untouched. */
async function drainServer(
  server: RunServer,
  ctx: FlowContext,
  purpose: 'release' | 'rollback',
  options: { finishLater?: boolean } = {},
): Promise<DrainOutcome> {
  const saved = ctx.savedSlots(server);
  const startedAt = ctx.clock.now().getTime();
  ctx.emit({ type: 'server-draining', server: server.name, method: ctx.driver.method, purpose, saved: slotRecords(saved) });
  const base = { server: server.name, releaseBefore: server.releaseBefore, releaseAfter: server.releaseBefore };
  const putBack = async (failedStep: string, error: string): Promise<DrainOutcome> => {
    const interrupted = ctx.stop.aborted;
    const restored = await restoreServer({ server, saved, startedAt }, ctx);
    const elapsed = ctx.clock.now().getTime() - startedAt;
    const times = { outOfPoolMs: elapsed, drainMs: elapsed };
    if (!restored.ok)
      return { ok: false, result: { ...base, ...times, outcome: 'restore-failed', failedStep: 'restore', error: `${error}; then ${restored.error}` } };
    if (interrupted) return { ok: false, result: { ...base, ...times, outcome: 'interrupted', failedStep, error: `interrupted during the ${failedStep}` } };
    return { ok: false, result: { ...base, ...times, outcome: 'restored', failedStep, error } };
  };
  const drained = await guarded(() => ctx.driver.drain(server, saved, ctx.lb));
  if (!drained.ok) return putBack('drain', drained.error);
  // A hard cut (keepalived deleted the destination; drain.allowHardCut) is over at once: its
  // connections were cut and counted, and waiting on their entries would wait for nothing.
  const cut = drained.hardCut ?? [];
  const waitOn = saved.filter((slot) => !cut.some((c) => c.slot === slot));
  const hardCut = cut.length > 0 ? { hardCut: cut.reduce((n, c) => n + c.connections, 0) } : {};
  const counting = counter(server, waitOn, ctx, cut);
  const wait = await waitForDrain({
    ...ctx.drain,
    clock: ctx.clock,
    signal: ctx.stop,
    count: counting.count,
    onProgress: (p) => ctx.emit({ type: 'connections', server: server.name, ...p, ...counting.last() }),
  });
  if (wait.kind === 'interrupted') return putBack('wait', 'interrupted');
  if (wait.kind === 'failed') return putBack('wait', wait.error);
  ctx.emit({
    type: 'server-drained',
    server: server.name,
    drainMs: wait.durationMs,
    connections: counting.last().count,
    timedOut: wait.kind === 'timed-out',
    ...hardCut,
  });
  if (wait.kind === 'timed-out' && ctx.drain.onTimeout === 'fail') {
    const left = counting.last();
    const templates = ctx.drain.waitForPersistence && left.persist > 0 ? ` and ${left.persist} persistence template(s) (drain.waitForPersistence)` : '';
    return putBack('wait', `still ${left.count} connection(s)${templates} after the ${Math.round(ctx.drain.timeoutMs / 1000)}s drain deadline`);
  }
  const out: Drained = { saved, startedAt, drainMs: wait.durationMs };
  const finishing = guarded(() => ctx.driver.finishDrain(server, saved, ctx.lb));
  // NOTE: with the connections gone, the delete need not hold up the deploy: they run side by side
  // (the caller awaits `finishing` before anything reads or changes the tables again). Unless a
  // persistence template still points at the server: its client's next connection would reach a
  // weight-0 server (expire_quiescent_template=0, LVS.md §4.3) while the app restarts; the delete
  // invalidates the template, so it comes first then.
  if (options.finishLater && counting.last().persist === 0) return { ok: true, drained: out, finishing };
  const finished = await finishing;
  if (!finished.ok) return putBack('drain', finished.error);
  return { ok: true, drained: out, finishing };
}

/** Puts the server back on every director; runs even when interrupted. */
export async function restoreServer(input: { server: RunServer; saved: SavedSlot[]; startedAt: number }, ctx: FlowContext): Promise<LbStep> {
  const { server, saved } = input;
  const lb = { ...ctx.lb, signal: ctx.never };
  // Restore is computed from the tables as they are, so one more try after a hiccup is safe.
  let restored = await guarded(() => ctx.driver.restore(server, saved, lb));
  if (!restored.ok) {
    ctx.emit({ type: 'retry', server: server.name, what: 'restore', attempt: 1, delayMs: 0, error: restored.error });
    restored = await guarded(() => ctx.driver.restore(server, saved, lb));
  }
  if (!restored.ok) {
    // Half restored (back on one director, not the other) is the worst state: the directors
    // disagree. Take it back out where it got in; it stays out and is named (exit 4).
    const retreat = await guarded(() => ctx.driver.drain(server, saved, lb));
    const after = retreat.ok ? 'it was taken back out of the pool on every director' : `taking it back out failed too (${retreat.error}): check every director`;
    return { ok: false, error: `could not restore ${server.name}: ${restored.error}; ${after}` };
  }
  ctx.emit({
    type: 'server-restored',
    server: server.name,
    outOfPoolMs: ctx.clock.now().getTime() - input.startedAt,
    weights: saved.map((s) => ({ director: s.director, service: s.label, weight: s.dest.weight })),
  });
  return { ok: true };
}

/** Runs `deploy` or `rollback` and records the release switch around it. */
export async function switchRelease(
  server: RunServer,
  ctx: FlowContext,
  change: { phase: 'deploy' | 'rollback'; from: string | null; to: string; previous: string | null },
) {
  ctx.emit({ type: 'release-switch', stage: 'intent', server: server.name, from: change.from, to: change.to });
  const release = change.phase === 'deploy' ? change.to : (change.from ?? change.to);
  const result = await ctx.runPhase(change.phase, server, { release, previous: change.previous }, ctx.never);
  if (result.ok) ctx.emit({ type: 'release-switch', stage: 'done', server: server.name, from: change.from, to: change.to });
  return result;
}

/** Rolls a drained server back from `bad` to `to`, verifies it, and restores it; or leaves it out, named. */
async function rollBackDrained(
  input: { server: RunServer; drained: Drained; bad: string; to: string | null; cause?: { failedStep: string; error: string } },
  ctx: FlowContext,
): Promise<ServerResult> {
  const { server, drained, bad, to, cause } = input;
  const elapsed = () => ctx.clock.now().getTime() - drained.startedAt;
  const base = { server: server.name, releaseBefore: server.releaseBefore, drainMs: drained.drainMs };
  const stuck = (step: string, detail: string, releaseAfter: string): ServerResult => ({
    ...base,
    outcome: 'rollback-failed',
    releaseAfter,
    outOfPoolMs: elapsed(),
    failedStep: step,
    error: cause ? `${cause.error}; rollback failed at ${step}: ${detail}` : `rollback failed at ${step}: ${detail}`,
  });
  if (to === null) return stuck('rollback', 'no previous release was recorded for this server', bad);
  const rolled = await switchRelease(server, ctx, { phase: 'rollback', from: bad, to, previous: to });
  if (!rolled.ok) return stuck(`rollback: ${rolled.step}`, rolled.detail, bad);
  const verified = await ctx.runPhase('verify', server, { release: to, previous: null }, ctx.never);
  // The switch back was done: the server runs `to`, though it failed its checks.
  if (!verified.ok) return stuck(`verify after rollback: ${verified.step}`, verified.detail, to);
  const network = (await ctx.hostChecks?.network(server, 'rollback', ctx.never)) ?? { ok: true };
  if (!network.ok) return stuck('verify after rollback: real-server network', network.error, to);
  const restored = await restoreServer({ server, saved: drained.saved, startedAt: drained.startedAt }, ctx);
  if (!restored.ok) return { ...stuck('restore', restored.error, to), outcome: 'restore-failed' };
  const served = (await ctx.hostChecks?.vipPath(server, ctx.never)) ?? { ok: true };
  if (!served.ok) {
    // It stays out, named (exit 4): `release recover` puts it back once its network is fixed.
    const again = await takeOutAgain(server, drained.saved, ctx, { wait: false });
    return stuck(
      'VIP path after rollback',
      again.ok
        ? `${served.error}; it was taken out of the pool again`
        : `${served.error}; taking it out again failed too (${again.error}): check every director`,
      to,
    );
  }
  return { ...base, outcome: 'rolled-back', releaseAfter: to, outOfPoolMs: elapsed(), failedStep: cause?.failedStep, error: cause?.error };
}

/**
 * Takes a server that was just restored out again (it does not serve the VIP): drained as at the
 * start (server-draining first, for recover), its connections waited for within drain.timeout
 * and never put back on a timeout: it does not serve the VIP, so the pool is better without it.
 */
async function takeOutAgain(
  server: RunServer,
  saved: SavedSlot[],
  ctx: FlowContext,
  options: { wait: boolean },
): Promise<{ ok: true; drained: Drained } | { ok: false; error: string }> {
  const startedAt = ctx.clock.now().getTime();
  ctx.emit({ type: 'server-draining', server: server.name, method: ctx.driver.method, purpose: 'rollback', saved: slotRecords(saved) });
  const out = await guarded(() => ctx.driver.drain(server, saved, { ...ctx.lb, signal: ctx.never }));
  if (!out.ok) return { ok: false, error: `could not take ${server.name} out of the pool again: ${out.error}` };
  if (!options.wait) return { ok: true, drained: { saved, startedAt, drainMs: 0 } };
  const counting = counter(server, saved, ctx, out.hardCut ?? []);
  const wait = await waitForDrain({ ...ctx.drain, clock: ctx.clock, signal: ctx.stop, count: counting.count });
  ctx.emit({ type: 'server-drained', server: server.name, drainMs: wait.durationMs, connections: counting.last().count, timedOut: wait.kind === 'timed-out' });
  return { ok: true, drained: { saved, startedAt, drainMs: wait.durationMs } };
}

/** Releases one server whose prepare phase has already run (its cleanup is cleanUpServer). */
export async function releaseServer(server: RunServer, ctx: FlowContext): Promise<ServerResult> {
  const drainedOutcome = await drainServer(server, ctx, 'release', { finishLater: true });
  if (!drainedOutcome.ok) return drainedOutcome.result;
  const { drained } = drainedOutcome;
  const fail = async (failedStep: string, error: string) => {
    ctx.emit({ type: 'marked-bad', server: server.name, release: ctx.release });
    return rollBackDrained({ server, drained, bad: ctx.release, to: server.releaseBefore, cause: { failedStep, error } }, ctx);
  };
  // NOTE: the end of the drain (the delete) runs beside the deploy and the smoke checks, which go
  // to the server's own address; it is done before anything reads or changes the tables again.
  const deployed = await switchRelease(server, ctx, { phase: 'deploy', from: server.releaseBefore, to: ctx.release, previous: server.releaseBefore });
  const verified = deployed.ok ? await ctx.runPhase('verify', server, { release: ctx.release, previous: server.releaseBefore }, ctx.never) : undefined;
  const finished = await drainedOutcome.finishing;
  if (!finished.ok) return fail('drain', finished.error);
  if (!deployed.ok) return fail(`deploy: ${deployed.step}`, deployed.detail);
  if (verified && !verified.ok) return fail(`verify: ${verified.step}`, verified.detail);
  // NOTE: a deploy can lose the lo VIP (a network restart): the smoke checks, sent to the server's own address, would not see it.
  const network = (await ctx.hostChecks?.network(server, 'verify', ctx.never)) ?? { ok: true };
  if (!network.ok) return fail('verify: real-server network', network.error);
  const restored = await restoreServer({ server, saved: drained.saved, startedAt: drained.startedAt }, ctx);
  const outOfPoolMs = ctx.clock.now().getTime() - drained.startedAt;
  const base = { server: server.name, releaseBefore: server.releaseBefore, releaseAfter: ctx.release, outOfPoolMs, drainMs: drained.drainMs };
  if (!restored.ok) return { ...base, outcome: 'restore-failed', failedStep: 'restore', error: restored.error };
  const served = (await ctx.hostChecks?.vipPath(server, ctx.never)) ?? { ok: true };
  if (!served.ok) {
    // Back in the pool but not serving the VIP: out again, then rolled back like any failure.
    const again = await takeOutAgain(server, drained.saved, ctx, { wait: true });
    if (!again.ok) return { ...base, outcome: 'restore-failed', failedStep: 'VIP path', error: `${served.error}; then ${again.error}` };
    ctx.emit({ type: 'marked-bad', server: server.name, release: ctx.release });
    const result = await rollBackDrained(
      { server, drained: again.drained, bad: ctx.release, to: server.releaseBefore, cause: { failedStep: 'VIP path', error: served.error } },
      ctx,
    );
    return { ...result, drainMs: drained.drainMs + result.drainMs, outOfPoolMs: outOfPoolMs + result.outOfPoolMs };
  }
  return { ...base, outcome: 'released' };
}

/**
 * The cleanup phase of a released server, back in the pool: a failure is a warning. The caller
 * runs it beside the next batch (removing old releases can take a while on a real disk).
 */
export async function cleanUpServer(server: RunServer, ctx: FlowContext): Promise<void> {
  const cleaned = await ctx.runPhase('cleanup', server, { release: ctx.release, previous: server.releaseBefore }, ctx.never);
  if (!cleaned.ok) {
    ctx.emit({ type: 'warning', code: 'CLEANUP_FAILED', server: server.name, message: `cleanup failed at ${cleaned.step}: ${cleaned.detail}` });
  }
}

/** Rolls an in-pool server from `current` back to `to`, with the same drain discipline as a release. */
export async function rollbackServer(input: { server: RunServer; current: string; to: string | null }, ctx: FlowContext): Promise<ServerResult> {
  const server = { ...input.server, releaseBefore: input.current };
  const drainedOutcome = await drainServer(server, ctx, 'rollback');
  if (!drainedOutcome.ok) return { ...drainedOutcome.result, releaseBefore: input.current, releaseAfter: input.current };
  return rollBackDrained({ server, drained: drainedOutcome.drained, bad: input.current, to: input.to }, ctx);
}

/** The `server-finished` event of a result. */
export function emitFinished(ctx: Pick<FlowContext, 'emit'>, r: ServerResult): void {
  ctx.emit({ type: 'server-finished', ...r });
}
