// The connection table's public shapes: what the VIP, the ipvsadm emulator and `lab status`
// see of one director's IPVS connection table.
import type { ConnectionEntry, Endpoint } from '../../ipvs/model.ts';
import type { TcpDirection, TcpFlag, TcpState } from './tcp-states.ts';
import type { NetClock } from './timers.ts';
import type { TrafficStats } from './traffic-stats.ts';

/** What the ipvsadm emulator needs from a director's kernel. */
export interface ConnectionSource {
  entries(): ConnectionEntry[];
}

export interface ConnCounts {
  active: number;
  inactive: number;
  persist: number;
}

/** A live entry. Fields are read-only outside the table; change them through the table. */
export interface ConnRecord {
  readonly id: number;
  readonly protocol: 'TCP';
  readonly template: boolean;
  readonly client: Endpoint;
  readonly virtual: Endpoint;
  readonly destination: Endpoint;
  readonly state: TcpState;
  /** Absolute expiry on the table's clock (ms). */
  readonly expiresAt: number;
  /** Template controlling this connection, if the service is persistent. */
  readonly controller: ConnRecord | undefined;
  /** Connections this template controls; a template is not freed while this is > 0. */
  readonly controls: number;
  /** Invalidated templates stay listed (ports 65535) but are never matched again. */
  readonly invalid: boolean;
  /** IP_VS_CONN_F_NOOUTPUT: a DR/TUN connection, whose states follow the INPUT-ONLY table. */
  readonly inputOnly: boolean;
  /** Called once when the entry expires (not on remove()): the VIP closes the flow here. */
  onExpire: ((entry: ConnRecord) => void) | undefined;
}

export interface ConnTableOptions {
  /** Multiplies every TCP state timeout: 0.01 turns 900 s into 9 s. Default 1. */
  timeScale?: number;
  /** Multiplies persistence template timeouts (default: `timeScale`). */
  templateTimeScale?: number;
  clock?: NetClock;
  /** Per-state timeouts in (unscaled) seconds, over the kernel defaults. */
  timeouts?: Partial<Record<TcpState, number>>;
}

export interface AddConnection {
  client: Endpoint;
  virtual: Endpoint;
  destination: Endpoint;
  state?: TcpState;
  controller?: ConnRecord;
  onExpire?: (entry: ConnRecord) => void;
  /** The dest is not NAT (DR/TUN): the director sees only the client's packets. */
  inputOnly?: boolean;
}

export interface AddTemplate {
  /** Client address after the service's netmask; the template's client port is 0. */
  clientAddress: string;
  virtual: Endpoint;
  destination: Endpoint;
  /** The service's `persistent` seconds (unscaled). */
  persistentSeconds: number;
}

export interface ConnTable extends ConnectionSource {
  readonly timeScale: number;
  readonly clock: NetClock;
  /** `--stats` / `--rate` counters of this director. */
  readonly traffic: TrafficStats;
  /** Listing rows; `expires` in whole seconds remaining (rounded up) at `now` (ms). */
  entries(now?: number): ConnectionEntry[];
  /** ActiveConn / InActConn / PersistConn of a dest, optionally within one virtual service. */
  countsFor(dest: Endpoint, virtual?: Endpoint): ConnCounts;
  size(): number;
  add(input: AddConnection): ConnRecord;
  lookup(client: Endpoint, virtual: Endpoint): ConnRecord | undefined;
  /** Apply one packet to the state machine and restart the timer with the new state's timeout. */
  packet(entry: ConnRecord, direction: TcpDirection, flag: TcpFlag): TcpState;
  setState(entry: ConnRecord, state: TcpState): void;
  /** Restart the entry's timer (traffic seen) without changing its state. */
  touch(entry: ConnRecord): void;
  /** Expire now, as if its timer ran out (onExpire runs). */
  expire(entry: ConnRecord): void;
  /** Unlink without running onExpire. */
  remove(entry: ConnRecord): void;
  findTemplate(clientAddress: string, virtual: Endpoint): ConnRecord | undefined;
  addTemplate(input: AddTemplate): ConnRecord;
  /** Restart a template's timer: a new connection of its client used it. */
  refreshTemplate(template: ConnRecord): void;
  /** `ip_vs_check_template` failed: stop matching it, keep it listed until it expires. */
  invalidateTemplate(template: ConnRecord): void;
  /** `ipvsadm --set tcp tcpfin udp` (seconds; 0 keeps the current value). */
  setTimeouts(timeouts: { tcp?: number; tcpFin?: number }): void;
  timeoutSeconds(state: TcpState): number;
  /** Stop every timer (entries stay; nothing expires afterwards). */
  close(): void;
}
