// One server's way through a batch: drain on every director → wait for zero connections →
// deploy → verify → restore → cleanup; on failure, roll back to the recorded release, verify,
// and restore, or stay out and be named. Outcomes are values; only bugs throw.
import { isReleaseError } from '../core/errors.ts';
import type { SavedSlotRecord } from '../events/types.ts';
import type { SavedSlot } from '../lb/types.ts';
import { waitForDrain } from '../lb/wait-drained.ts';
import type { FlowContext, RunServer, ServerResult } from './types.ts';

function message(error: unknown): string {
  if (isReleaseError(error)) return error.message;
  return error instanceof Error ? error.message : String(error);
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
      ...(dest.tunnelType ? { tunnelType: dest.tunnelType } : {}),
    },
  }));
}

interface Drained {
  saved: SavedSlot[];
  startedAt: number;
  drainMs: number;
}

type DrainOutcome = { ok: true; drained: Drained } | { ok: false; result: ServerResult };

/** Drains the server and waits for its connections; on any problem puts it back untouched. */
async function drainServer(server: RunServer, ctx: FlowContext, purpose: 'release' | 'rollback'): Promise<DrainOutcome> {
  const saved = ctx.savedSlots(server);
  const startedAt = ctx.clock.now().getTime();
  ctx.emit({ type: 'server-draining', server: server.name, method: ctx.driver.method, purpose, saved: slotRecords(saved) });
  const base = { server: server.name, releaseBefore: server.releaseBefore, releaseAfter: server.releaseBefore };
  const putBack = async (outcome: 'restored' | 'interrupted', failedStep: string, error: string): Promise<DrainOutcome> => {
    const restored = await restoreServer(server, saved, startedAt, ctx);
    const elapsed = ctx.clock.now().getTime() - startedAt;
    if (!restored.ok) {
      return { ok: false, result: { ...base, outcome: 'restore-failed', outOfPoolMs: elapsed, drainMs: elapsed, failedStep: 'restore', error: `${error}; then ${restored.error}` } };
    }
    return { ok: false, result: { ...base, outcome, outOfPoolMs: elapsed, drainMs: elapsed, failedStep, error } };
  };
  const failed = (step: string, error: unknown) =>
    ctx.stop.aborted ? putBack('interrupted', step, `interrupted during the ${step}`) : putBack('restored', step, message(error));
  try {
    await ctx.driver.drain(server, saved, ctx.lb);
  } catch (error) {
    return failed('drain', error);
  }
  if (ctx.dryRun) {
    // Nothing to wait for in a dry run, but the delete must still be reported.
    try {
      await ctx.driver.finishDrain(server, saved, ctx.lb);
    } catch (error) {
      return failed('drain', error);
    }
    return { ok: true, drained: { saved, startedAt, drainMs: 0 } };
  }
  let wait;
  try {
    wait = await waitForDrain({
      ...ctx.drain,
      clock: ctx.clock,
      signal: ctx.stop,
      count: (signal) => ctx.driver.countConnections(server, saved, { ...ctx.lb, signal }),
      onProgress: (p) => ctx.emit({ type: 'connections', server: server.name, ...p }),
    });
  } catch (error) {
    return failed('wait', error);
  }
  ctx.emit({ type: 'server-drained', server: server.name, drainMs: wait.durationMs, connections: wait.last.count, timedOut: wait.timedOut });
  if (wait.timedOut && ctx.drain.onTimeout === 'fail') {
    return putBack('restored', 'wait', `still ${wait.last.count} connection(s) after the ${Math.round(ctx.drain.timeoutMs / 1000)}s drain deadline`);
  }
  try {
    await ctx.driver.finishDrain(server, saved, ctx.lb);
  } catch (error) {
    return failed('drain', error);
  }
  return { ok: true, drained: { saved, startedAt, drainMs: wait.durationMs } };
}

/** Puts the server back on every director; runs even when interrupted. */
export async function restoreServer(
  server: RunServer,
  saved: SavedSlot[],
  startedAt: number,
  ctx: FlowContext,
): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    // Restore is computed from the tables as they are, so one more try after a hiccup is safe.
    await ctx.driver.restore(server, saved, { ...ctx.lb, signal: ctx.never }).catch((first: unknown) => {
      ctx.emit({ type: 'retry', server: server.name, what: 'restore', attempt: 1, delayMs: 0, error: message(first) });
      return ctx.driver.restore(server, saved, { ...ctx.lb, signal: ctx.never });
    });
  } catch (error) {
    // Half restored (back on one director, not the other) is the worst state: the directors
    // disagree. Take it back out where it got in; it stays out and is named (exit 4).
    const retreat = await ctx.driver.drain(server, saved, { ...ctx.lb, signal: ctx.never }).then(
      () => '; it was taken back out of the pool on every director',
      (again) => `; taking it back out failed too (${message(again)}): check every director`,
    );
    return { ok: false, error: `could not restore ${server.name}: ${message(error)}${retreat}` };
  }
  const outOfPoolMs = ctx.clock.now().getTime() - startedAt;
  ctx.emit({
    type: 'server-restored',
    server: server.name,
    outOfPoolMs,
    weights: saved.map((s) => ({ director: s.director, service: s.label, weight: s.dest.weight })),
  });
  return { ok: true };
}

/** Runs a phase and records the release switch around `deploy`/`rollback`. */
export async function switchRelease(
  server: RunServer,
  ctx: FlowContext,
  phase: 'deploy' | 'rollback',
  from: string | null,
  to: string,
  previous: string | null,
) {
  ctx.emit({ type: 'release-switch', stage: 'intent', server: server.name, from, to });
  const result = await ctx.runPhase(phase, server, { release: phase === 'deploy' ? to : (from ?? to), previous }, ctx.never);
  if (result.ok) ctx.emit({ type: 'release-switch', stage: 'done', server: server.name, from, to });
  return result;
}

/** Rolls a drained server back to `to`, verifies it, and restores it; or leaves it out, named. */
async function rollBackDrained(
  server: RunServer,
  ctx: FlowContext,
  drained: Drained,
  bad: string,
  to: string | null,
  cause: { failedStep: string; error: string; outcome: 'rolled-back' },
): Promise<ServerResult> {
  const elapsed = () => ctx.clock.now().getTime() - drained.startedAt;
  const stuck = (step: string, detail: string): ServerResult => ({
    server: server.name,
    outcome: 'rollback-failed',
    releaseBefore: server.releaseBefore,
    releaseAfter: bad,
    outOfPoolMs: elapsed(),
    drainMs: drained.drainMs,
    failedStep: step,
    error: `${cause.error}; rollback failed at ${step}: ${detail}`,
  });
  if (to === null) return stuck('rollback', 'no previous release was recorded for this server');
  const rolled = await switchRelease(server, ctx, 'rollback', bad, to, to);
  if (!rolled.ok) return stuck(`rollback: ${rolled.step}`, rolled.detail);
  const verified = await ctx.runPhase('verify', server, { release: to, previous: null }, ctx.never);
  // The switch back was done: the server runs `to`, though it failed its checks.
  if (!verified.ok) return { ...stuck(`verify after rollback: ${verified.step}`, verified.detail), releaseAfter: to };
  const restored = await restoreServer(server, drained.saved, drained.startedAt, ctx);
  if (!restored.ok) return { ...stuck('restore', restored.error), releaseAfter: to, outcome: 'restore-failed' };
  return {
    server: server.name,
    outcome: cause.outcome,
    releaseBefore: server.releaseBefore,
    releaseAfter: to,
    outOfPoolMs: elapsed(),
    drainMs: drained.drainMs,
    failedStep: cause.failedStep,
    error: cause.error,
  };
}

/** Releases one server whose prepare phase has already run. */
export async function releaseServer(server: RunServer, ctx: FlowContext): Promise<ServerResult> {
  const drainedOutcome = await drainServer(server, ctx, 'release');
  if (!drainedOutcome.ok) return drainedOutcome.result;
  const { drained } = drainedOutcome;
  const fail = async (failedStep: string, error: string) => {
    ctx.emit({ type: 'marked-bad', server: server.name, release: ctx.release });
    return rollBackDrained(server, ctx, drained, ctx.release, server.releaseBefore, { failedStep, error, outcome: 'rolled-back' });
  };
  const deployed = await switchRelease(server, ctx, 'deploy', server.releaseBefore, ctx.release, server.releaseBefore);
  if (!deployed.ok) return fail(`deploy: ${deployed.step}`, deployed.detail);
  const verified = await ctx.runPhase('verify', server, { release: ctx.release, previous: server.releaseBefore }, ctx.never);
  if (!verified.ok) return fail(`verify: ${verified.step}`, verified.detail);
  const restored = await restoreServer(server, drained.saved, drained.startedAt, ctx);
  const outOfPoolMs = ctx.clock.now().getTime() - drained.startedAt;
  const base = { server: server.name, releaseBefore: server.releaseBefore, releaseAfter: ctx.release, outOfPoolMs, drainMs: drained.drainMs };
  if (!restored.ok) return { ...base, outcome: 'restore-failed', failedStep: 'restore', error: restored.error };
  const cleaned = await ctx.runPhase('cleanup', server, { release: ctx.release, previous: server.releaseBefore }, ctx.never);
  if (!cleaned.ok) {
    ctx.emit({ type: 'warning', code: 'CLEANUP_FAILED', server: server.name, message: `cleanup failed at ${cleaned.step}: ${cleaned.detail}` });
  }
  return { ...base, outcome: 'released' };
}

/** Rolls an in-pool server back to `to` with the same drain discipline (rollback: all, `release rollback`). */
export async function rollbackServer(server: RunServer, ctx: FlowContext, current: string, to: string | null): Promise<ServerResult> {
  const drainedOutcome = await drainServer(server, ctx, 'rollback');
  if (!drainedOutcome.ok) return { ...drainedOutcome.result, releaseBefore: current, releaseAfter: current };
  const result = await rollBackDrained({ ...server, releaseBefore: current }, ctx, drainedOutcome.drained, current, to, {
    failedStep: '',
    error: '',
    outcome: 'rolled-back',
  });
  const { failedStep, error, ...rest } = result;
  return result.outcome === 'rolled-back' ? rest : { ...rest, ...(failedStep ? { failedStep } : {}), ...(error ? { error: error.replace(/^; /, '') } : {}) };
}
