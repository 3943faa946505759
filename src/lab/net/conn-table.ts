// One director's IPVS connection table, as the kernel keeps it (LVS.md §4): entries keyed by
// (protocol, client, virtual), a TCP state each, an expiry timer per entry that traffic resets,
// and persistence templates. The ipvsadm emulator reads it as a ConnectionSource.
import { formatEndpoint } from '../../ipvs/address.ts';
import type { ConnectionEntry, Endpoint } from '../../ipvs/model.ts';
import { DEFAULT_TCP_TIMEOUTS, nextTcpState, type TcpDirection, type TcpFlag, type TcpState } from './tcp-states.ts';
import { realNetClock, type NetClock, type TimerHandle } from './timers.ts';
import { createTrafficStats, type TrafficStats } from './traffic-stats.ts';

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
  /** Called once when the entry expires (not on remove()): the VIP closes the flow here. */
  onExpire: ((entry: ConnRecord) => void) | undefined;
}

interface MutableRecord extends ConnRecord {
  state: TcpState;
  expiresAt: number;
  controls: number;
  invalid: boolean;
  timeoutMs: number;
  timer: TimerHandle | undefined;
  timerAt: number;
  key: string;
}

export interface ConnTableOptions {
  /** Multiplies every timeout: 0.01 turns 900 s into 9 s. Default 1. */
  timeScale?: number;
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

const INVALID_PORT = 65535;
const keyOf = (protocol: string, client: Endpoint | string, virtual: Endpoint) =>
  `${protocol}|${typeof client === 'string' ? `${client}:0` : formatEndpoint(client)}|${formatEndpoint(virtual)}`;
const countKey = (virtual: Endpoint, dest: Endpoint) => `${formatEndpoint(virtual)}>${formatEndpoint(dest)}`;
const destKey = (dest: Endpoint) => formatEndpoint(dest);
const kindOf = (e: ConnRecord): keyof ConnCounts => (e.template ? 'persist' : e.state === 'ESTABLISHED' ? 'active' : 'inactive');

/** A director's connection table on `clock`, with IPVS timeouts scaled by `timeScale`. */
export function createConnTable(options: ConnTableOptions = {}): ConnTable {
  const clock = options.clock ?? realNetClock;
  const timeScale = options.timeScale ?? 1;
  const timeouts: Record<TcpState, number> = { ...DEFAULT_TCP_TIMEOUTS, ...options.timeouts };
  const byKey = new Map<string, MutableRecord>();
  const all = new Set<MutableRecord>();
  // Incremental counts, so schedulers and listings never scan the table.
  const perService = new Map<string, ConnCounts>();
  const perDest = new Map<string, ConnCounts>();
  const traffic = createTrafficStats(clock);
  let nextId = 1;
  let closed = false;

  const bump = (e: ConnRecord, by: 1 | -1) => {
    for (const [map, key] of [[perService, countKey(e.virtual, e.destination)], [perDest, destKey(e.destination)]] as const) {
      const c = map.get(key) ?? { active: 0, inactive: 0, persist: 0 };
      c[kindOf(e)] += by;
      map.set(key, c);
    }
  };
  const arm = (e: MutableRecord) => {
    if (closed) return;
    // Lazy re-arming: traffic only moves expiresAt; the timer re-arms when it fires early.
    if (e.timer && e.timerAt <= e.expiresAt) return;
    if (e.timer) clock.clearTimeout(e.timer);
    e.timerAt = e.expiresAt;
    e.timer = clock.setTimeout(() => fire(e), e.expiresAt - clock.now());
  };
  const restart = (e: MutableRecord) => {
    e.expiresAt = clock.now() + e.timeoutMs;
    arm(e);
  };
  const unlink = (e: MutableRecord) => {
    if (!all.delete(e)) return false;
    if (byKey.get(e.key) === e) byKey.delete(e.key);
    if (e.timer) clock.clearTimeout(e.timer);
    e.timer = undefined;
    bump(e, -1);
    const ctl = e.controller as MutableRecord | undefined;
    if (ctl) ctl.controls--;
    return true;
  };
  const fire = (e: MutableRecord) => {
    e.timer = undefined;
    if (!all.has(e)) return;
    if (e.expiresAt > clock.now()) return arm(e);
    // A template is not freed while it controls connections (ip_vs_conn_expire): retry later.
    if (e.template && e.controls > 0) return restart(e);
    expireNow(e);
  };
  const expireNow = (e: MutableRecord) => {
    if (!unlink(e)) return;
    const cb = e.onExpire;
    e.onExpire = undefined;
    cb?.(e);
  };
  const insert = (e: MutableRecord) => {
    const old = byKey.get(e.key);
    if (old) expireNow(old);
    byKey.set(e.key, e);
    all.add(e);
    bump(e, 1);
    restart(e);
    return e;
  };
  const ms = (seconds: number) => seconds * 1000 * timeScale;
  const record = (fields: Omit<MutableRecord, 'id' | 'expiresAt' | 'timer' | 'timerAt' | 'controls' | 'invalid'>): MutableRecord => ({
    ...fields,
    id: nextId++,
    expiresAt: 0,
    timer: undefined,
    timerAt: 0,
    controls: 0,
    invalid: false,
  });

  const table: ConnTable = {
    timeScale,
    clock,
    traffic,
    entries(now = clock.now()) {
      return [...all].map((e) => {
        const gone = e.invalid ? { port: INVALID_PORT } : {};
        return {
          protocol: e.protocol,
          expires: Math.max(0, Math.ceil((e.expiresAt - now) / 1000)),
          state: e.state,
          client: { ...e.client },
          virtual: { ...e.virtual, ...gone },
          destination: { ...e.destination, ...gone },
          template: e.template,
        };
      });
    },
    countsFor(dest, virtual) {
      const c = virtual ? perService.get(countKey(virtual, dest)) : perDest.get(destKey(dest));
      return c ? { ...c } : { active: 0, inactive: 0, persist: 0 };
    },
    size: () => all.size,
    add(input) {
      const state = input.state ?? 'SYN_RECV';
      const ctl = input.controller as MutableRecord | undefined;
      const controller = ctl && all.has(ctl) ? ctl : undefined;
      const e = record({
        protocol: 'TCP',
        template: false,
        client: input.client,
        virtual: input.virtual,
        destination: input.destination,
        state,
        timeoutMs: ms(timeouts[state]),
        controller,
        onExpire: input.onExpire,
        key: keyOf('TCP', input.client, input.virtual),
      });
      insert(e);
      if (controller) controller.controls++;
      return e;
    },
    lookup: (client, virtual) => byKey.get(keyOf('TCP', client, virtual)),
    packet(entry, direction, flag) {
      const next = nextTcpState(entry.state, direction, flag);
      table.setState(entry, next);
      return next;
    },
    setState(entry, state) {
      const e = entry as MutableRecord;
      if (!all.has(e) || e.template) return;
      if (e.state !== state) {
        bump(e, -1);
        e.state = state;
        bump(e, 1);
      }
      e.timeoutMs = ms(timeouts[state]);
      restart(e);
    },
    touch(entry) {
      const e = entry as MutableRecord;
      if (all.has(e)) restart(e);
    },
    expire: (entry) => expireNow(entry as MutableRecord),
    remove: (entry) => void unlink(entry as MutableRecord),
    findTemplate(clientAddress, virtual) {
      const t = byKey.get(keyOf('TCP', clientAddress, virtual));
      return t?.template && !t.invalid ? t : undefined;
    },
    addTemplate(input) {
      return insert(
        record({
          protocol: 'TCP',
          template: true,
          client: { family: input.virtual.family, address: input.clientAddress, port: 0 },
          virtual: input.virtual,
          destination: input.destination,
          state: 'NONE',
          timeoutMs: ms(input.persistentSeconds),
          controller: undefined,
          onExpire: undefined,
          key: keyOf('TCP', input.clientAddress, input.virtual),
        }),
      );
    },
    refreshTemplate: (template) => table.touch(template),
    invalidateTemplate(template) {
      const e = template as MutableRecord;
      if (byKey.get(e.key) === e) byKey.delete(e.key);
      e.invalid = true;
    },
    setTimeouts(t) {
      if (t.tcp) timeouts.ESTABLISHED = t.tcp;
      if (t.tcpFin) timeouts.FIN_WAIT = t.tcpFin;
    },
    timeoutSeconds: (state) => timeouts[state],
    close() {
      closed = true;
      traffic.close();
      for (const e of all) {
        if (e.timer) clock.clearTimeout(e.timer);
        e.timer = undefined;
      }
    },
  };
  return table;
}
