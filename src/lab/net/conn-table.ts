// One director's IPVS connection table, as the kernel keeps it (LVS.md §4): entries keyed by
// (protocol, client, virtual), a TCP state each, an expiry timer per entry that traffic resets,
// and persistence templates. The ipvsadm emulator reads it as a ConnectionSource.
import { formatEndpoint } from '../../ipvs/address.ts';
import type { Endpoint } from '../../ipvs/model.ts';
import type { ConnCounts, ConnRecord, ConnTable, ConnTableOptions } from './conn-types.ts';
import { DEFAULT_TCP_TIMEOUTS, nextTcpState, type TcpState } from './tcp-states.ts';
import { realNetClock, type TimerHandle } from './timers.ts';
import { createTrafficStats } from './traffic-stats.ts';

export type * from './conn-types.ts';

interface MutableRecord extends ConnRecord {
  state: TcpState;
  inputOnly: boolean;
  expiresAt: number;
  controls: number;
  invalid: boolean;
  timeoutMs: number;
  timer: TimerHandle | undefined;
  timerAt: number;
  key: string;
  /** Expiry was put off once because its timer fired late (the event loop stalled). */
  graced?: boolean;
}

/** A timer this late means the loop stalled: packets that arrived meanwhile are still queued. */
const LATE_MS = 20;

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
  const templateTimeScale = options.templateTimeScale ?? timeScale;
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
    for (const [map, key] of [
      [perService, countKey(e.virtual, e.destination)],
      [perDest, destKey(e.destination)],
    ] as const) {
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
    e.graced = false;
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
    // NOTE: the kernel would have seen the packets queued behind a stalled loop in time; let the
    // I/O phase run once before expiring (a 0 ms timer fires on the next loop turn, after poll).
    if (!e.graced && clock.now() - e.timerAt > LATE_MS) {
      e.graced = true;
      e.timerAt = clock.now();
      e.timer = clock.setTimeout(() => fire(e), 0);
      return;
    }
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
  const record = (
    fields: Omit<MutableRecord, 'id' | 'expiresAt' | 'timer' | 'timerAt' | 'controls' | 'invalid' | 'inputOnly'> & { inputOnly?: boolean },
  ): MutableRecord => ({
    inputOnly: false,
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
        inputOnly: input.inputOnly ?? false,
      });
      insert(e);
      if (controller) controller.controls++;
      return e;
    },
    lookup: (client, virtual) => byKey.get(keyOf('TCP', client, virtual)),
    packet(entry, direction, flag) {
      const e = entry as MutableRecord;
      // Like the kernel: a reply seen after all means the director is on the return path.
      if (e.inputOnly && direction === 'out') e.inputOnly = false;
      const next = nextTcpState(entry.state, direction, flag, e.inputOnly);
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
          timeoutMs: input.persistentSeconds * 1000 * templateTimeScale,
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
