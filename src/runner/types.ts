// What the runner works with: resolved servers, the driver, the phase runner, and the outcome
// of each server as a value (the `server-finished` event's shape).
import type { RealServer } from '../config/types.ts';
import type { Clock } from '../core/clock.ts';
import type { Emit, Phase, ServerResult } from '../events/types.ts';
import type { HostChecks } from '../hosts/flow-checks.ts';
import type { LbContext, LbDriver, LbServer, SavedSlot } from '../lb/types.ts';

export type { ServerResult } from '../events/types.ts';

/** A real server as the runner needs it. */
export interface RunServer extends LbServer {
  /** The server as configured. */
  config: RealServer;
  /** The release `current` pointed to before this run (recorded, never guessed). */
  releaseBefore: string | null;
}

export type PhaseResult = { ok: true } | { ok: false; step: string; detail: string };

/** Runs one pipeline phase on one server, with the release/previous it should act on. */
/** `onStepDone`: called after each step that succeeded (the caller's view of where the server is). */
export type PhaseRunner = (
  phase: Phase,
  server: RunServer,
  release: { release: string; previous: string | null },
  signal: AbortSignal,
  watch?: { onStepDone?(step: number): void },
) => Promise<PhaseResult>;

/** Everything one server's way through a batch needs. */
export interface FlowContext {
  release: string;
  driver: LbDriver;
  lb: LbContext;
  runPhase: PhaseRunner;
  /** Saved slots of a server as read at preflight (what restore puts back). */
  savedSlots(server: RunServer): SavedSlot[];
  drain: { threshold: number; settleMs: number; timeoutMs: number; pollMs: number; onTimeout: 'fail' | 'proceed'; waitForPersistence?: boolean };
  /** The DR/TUN real servers' network checks (after verify, after the restore); absent: none. */
  hostChecks?: HostChecks;
  emit: Emit;
  /** The clock of the waits (a dry run's does not wait). */
  clock: Clock;
  /** Aborted on the first interrupt: stop waiting, restore, take no new work. */
  stop: AbortSignal;
  /** Never aborted: what must finish (restores) runs under it. */
  never: AbortSignal;
}

export const isStuckOut = (r: ServerResult): boolean => r.outcome === 'rollback-failed' || r.outcome === 'restore-failed';
