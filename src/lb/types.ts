// The load-balancer side of a release: drivers that satisfy one type, chosen by name, acting
// through two ports (the directors' tables, the connection counter). Expected outcomes are values.
import type { Clock } from '../core/clock.ts';
import type { Emit } from '../events/types.ts';
import type { IpvsCommand } from '../ipvs/commands.ts';
import type { ConnGroup } from '../ipvs/conn-live.ts';
import type { Destination, IpvsTable, ServiceKey } from '../ipvs/model.ts';
import type { HostSession } from '../transport/types.ts';
import type { PoolServer } from './pool.ts';

export const DRAIN_METHODS = ['ipvsadm', 'quiesce', 'healthfile'] as const;
export type DrainMethod = (typeof DRAIN_METHODS)[number];

/** A destination as it was before the release touched it: what restore puts back. */
export interface SavedSlot {
  director: string;
  service: ServiceKey;
  label: string;
  dest: Destination;
}

export interface LbServer extends PoolServer {
  /** The SSH session to the server itself (health file, `ss`). */
  session: HostSession;
  /** Path of the health-check file on the server (healthfile method). */
  healthFile?: string;
}

/** A destination keepalived deleted instead of quiescing it (healthfile without inhibit_on_failure): a hard cut, and the live connections it cut. */
export interface HardCut {
  slot: SavedSlot;
  connections: number;
}

/** Success (with the hard cuts keepalived made, if any), or why not in one line naming the server and director. */
export type LbStep = { ok: true; hardCut?: HardCut[] } | { ok: false; error: string };

export type TablesRead = { ok: true; tables: Map<string, IpvsTable> } | { ok: false; error: string };

/** Every director's connection table, reduced to groups there (ipvs/conn-live.ts). */
export type ConnectionsRead = { ok: true; groups: Map<string, ConnGroup[]> } | { ok: false; error: string };

/** One ipvsadm command for one director. */
export interface DirectorCommand {
  director: string;
  command: IpvsCommand;
}

/** What became of one command: `detail` says why it failed (exit status and stderr, a lost connection). */
/** `unknown`: the connection dropped before the command's outcome came back: it may or may not have run. */
export type CommandOutcome = { ok: true; command: string } | { ok: false; command: string; detail: string; unknown?: true };

/**
 * What one slot should show: a weight, absent (null), or `out`: weight 0 or absent, whichever
 * keepalived chooses (inhibit_on_failure or not).
 */
export type SlotWant = number | null | 'out';

export interface SlotTarget {
  slot: SavedSlot;
  weight: SlotWant;
}

/** A target that did not show in time, and what its director showed instead (null: absent). */
export interface UnmetTarget {
  target: SlotTarget;
  shown: Destination | null;
}

export type ConfirmResult = { ok: true } | { ok: false; unmet: UnmetTarget[]; error?: string };

/**
 * Every director's IPVS table, behind one port: a release reads and changes tables only through
 * it, so a dry run swaps in a simulated one and the engine runs the same code.
 */
export interface DirectorTables {
  readonly directors: readonly string[];
  /** The command line a command runs as on its director (sudo included), for reports. */
  commandLine(command: DirectorCommand): string;
  /**
   * Every director's table as it is now: methods, weights, thresholds, counters. `recent`: the
   * last table read will do (never older than this run's last change: each change comes back
   * with the table that confirms it), with no round trip when there is one.
   */
  read(signal: AbortSignal, options?: { recent?: boolean }): Promise<TablesRead>;
  /**
   * Every director's connection table reduced to counts; the drain wait polls this. `recent`: the
   * count read by the exec of this run's last change on that director (`thenCount`), after the
   * change, will do while it is younger than the read interval.
   */
  readConnections(signal: AbortSignal, options?: { recent?: boolean }): Promise<ConnectionsRead>;
  /**
   * Runs the commands (in order per director); one outcome per command, in the order given.
   * `thenCount`: read the connection table in the same exec, after them (a quiesce: the drain
   * wait's first count then needs no round trip of its own).
   */
  apply(commands: readonly DirectorCommand[], signal: AbortSignal, options?: { thenCount?: boolean }): Promise<CommandOutcome[]>;
  /** Reads until every director shows each target for `server`, or `timeoutMs` passes. */
  confirm(server: PoolServer, targets: readonly SlotTarget[], options: { timeoutMs: number; signal: AbortSignal }): Promise<ConfirmResult>;
}

/** Connections that keep the server busy, and persistence templates still pointing at it. */
export interface ConnectionCount {
  count: number;
  persist: number;
}

export type CountResult = ({ ok: true } & ConnectionCount) | { ok: false; error: string };

/** Counts a drained server's connections (on the directors, or with `ss` on the server). */
export interface ConnectionCounter {
  count(server: LbServer, saved: readonly SavedSlot[], signal: AbortSignal): Promise<CountResult>;
}

export interface LbContext {
  tables: DirectorTables;
  connections: ConnectionCounter;
  /** Timeout of one remote command on a server (the health-file move). */
  commandTimeoutMs: number;
  /** How long a change may take to show in every director's table (keepalived: its check cycle). */
  confirmTimeoutMs: number;
  ramp?: { steps: number[]; intervalMs: number };
  emit: Emit;
  clock: Clock;
  signal: AbortSignal;
}

export interface LbDriver {
  readonly method: DrainMethod;
  /** Stops new connections to the server on every director, confirmed. */
  drain(server: LbServer, saved: readonly SavedSlot[], ctx: LbContext): Promise<LbStep>;
  /** After the connections are gone (ipvsadm: delete the destination). */
  finishDrain(server: LbServer, saved: readonly SavedSlot[], ctx: LbContext): Promise<LbStep>;
  /** Puts the server back with its saved method and weight on every director, confirmed. */
  restore(server: LbServer, saved: readonly SavedSlot[], ctx: LbContext): Promise<LbStep>;
}
