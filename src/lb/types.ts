// The load-balancer side of a release: drivers that satisfy one type, chosen by name.
import type { Clock } from '../core/clock.ts';
import type { Emit } from '../events/types.ts';
import type { Destination, IpvsTable, ServiceKey } from '../ipvs/model.ts';
import type { HostSession } from '../transport/types.ts';
import type { DirectorHandle } from './directors.ts';
import type { PoolServer } from './pool.ts';
import type { ConnectionCount } from './wait-drained.ts';

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

export interface LbContext {
  directors: readonly DirectorHandle[];
  services: readonly ServiceKey[];
  sudo: boolean;
  /** Timeout of one remote command. */
  commandTimeoutMs: number;
  /** How long a change may take to show in every director's table (keepalived: its check cycle). */
  confirmTimeoutMs: number;
  pollMs: number;
  /** Count connections on the directors, or with `ss` on the server (DR/TUN). */
  connectionSource: 'director' | 'server';
  ramp?: { steps: number[]; intervalMs: number };
  emit: Emit;
  clock: Clock;
  signal: AbortSignal;
  /** Dry run: commands are reported, not run; confirmations are skipped. */
  dryRun?: boolean;
  /** Called for each slot change sent (dry run uses it to simulate the tables). */
  onApplied?(server: PoolServer, slot: SavedSlot, weight: number | null): void;
  /** Re-reads every director (used to confirm each change). */
  readTables(signal: AbortSignal): Promise<Map<string, IpvsTable>>;
  /** Reads only what counting connections needs (no thresholds): the drain wait polls this. */
  readCounters?(signal: AbortSignal): Promise<Map<string, IpvsTable>>;
}

export interface LbDriver {
  readonly method: DrainMethod;
  /** Stops new connections to the server on every director, confirmed. Returns what to restore. */
  drain(server: LbServer, saved: readonly SavedSlot[], ctx: LbContext): Promise<void>;
  /** The connections still on the server. */
  countConnections(server: LbServer, saved: readonly SavedSlot[], ctx: LbContext): Promise<ConnectionCount>;
  /** After the connections are gone (ipvsadm: delete the destination). */
  finishDrain(server: LbServer, saved: readonly SavedSlot[], ctx: LbContext): Promise<void>;
  /** Puts the server back with its saved method and weight on every director, confirmed. */
  restore(server: LbServer, saved: readonly SavedSlot[], ctx: LbContext): Promise<void>;
}
