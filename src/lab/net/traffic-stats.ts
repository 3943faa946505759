// Per-service and per-destination traffic counters (`ipvsadm --stats`) and the kernel's rate
// estimator (`--rate`, ip_vs_est.c: every 2 s, rate += (delta/2 - rate) / 4).
// NOTE: a service's totals keep a deleted dest's share (LVS.md §1.4), so they are kept apart.
import { formatEndpoint } from '../../ipvs/address.ts';
import type { Counters, Endpoint, ServiceKey } from '../../ipvs/model.ts';
import type { NetClock, TimerHandle } from './timers.ts';

export interface TrafficDelta {
  conns?: number;
  inPkts?: number;
  outPkts?: number;
  inBytes?: number;
  outBytes?: number;
}

const FIELDS = ['conns', 'inPkts', 'outPkts', 'inBytes', 'outBytes'] as const;
type Field = (typeof FIELDS)[number];
type Numbers = Record<Field, number>;

interface Slot {
  totals: Numbers;
  last: Numbers;
  rate: Numbers;
}

export interface TrafficStats {
  record(virtual: Endpoint, dest: Endpoint, delta: TrafficDelta): void;
  /** Totals for the service, or for one of its dests. */
  statsFor(virtual: Endpoint, dest?: Endpoint): Counters;
  /** Per-second estimates for the service, or for one of its dests. */
  rateFor(virtual: Endpoint, dest?: Endpoint): Counters;
  /** `ipvsadm -Z [-t VIP]`: zero one service with its dests, or everything. */
  zero(virtual?: Endpoint): void;
  close(): void;
}

export const ESTIMATOR_INTERVAL_MS = 2000;

const zeros = (): Numbers => ({ conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 });
const toCounters = (n: Numbers): Counters => ({
  conns: BigInt(Math.round(n.conns)),
  inPkts: BigInt(Math.round(n.inPkts)),
  outPkts: BigInt(Math.round(n.outPkts)),
  inBytes: BigInt(Math.round(n.inBytes)),
  outBytes: BigInt(Math.round(n.outBytes)),
});

/** Traffic counters for one director, estimated on the given clock. */
export function createTrafficStats(clock: NetClock): TrafficStats {
  const slots = new Map<string, Slot>();
  let timer: TimerHandle | undefined;
  const slot = (key: string): Slot => {
    let s = slots.get(key);
    if (!s) {
      s = { totals: zeros(), last: zeros(), rate: zeros() };
      slots.set(key, s);
    }
    return s;
  };
  const tick = () => {
    timer = undefined;
    let busy = false;
    for (const s of slots.values()) {
      for (const f of FIELDS) {
        const perSecond = (s.totals[f] - s.last[f]) / (ESTIMATOR_INTERVAL_MS / 1000);
        s.last[f] = s.totals[f];
        s.rate[f] += (perSecond - s.rate[f]) / 4;
        if (s.rate[f] < 0.01) s.rate[f] = 0;
        if (s.rate[f] !== 0) busy = true;
      }
    }
    // Idle estimators stop ticking; the next record() restarts them.
    if (busy) arm();
  };
  const arm = () => {
    timer ??= clock.setTimeout(tick, ESTIMATOR_INTERVAL_MS);
  };
  const keyOf = (virtual: Endpoint, dest?: Endpoint) => (dest ? `${formatEndpoint(virtual)}>${formatEndpoint(dest)}` : formatEndpoint(virtual));
  return {
    record(virtual, dest, delta) {
      for (const s of [slot(keyOf(virtual)), slot(keyOf(virtual, dest))]) {
        for (const f of FIELDS) s.totals[f] += delta[f] ?? 0;
      }
      arm();
    },
    statsFor: (virtual, dest) => toCounters(slots.get(keyOf(virtual, dest))?.totals ?? zeros()),
    rateFor: (virtual, dest) => toCounters(slots.get(keyOf(virtual, dest))?.rate ?? zeros()),
    zero(virtual) {
      if (!virtual) return slots.clear();
      const prefix = formatEndpoint(virtual);
      for (const key of slots.keys()) if (key === prefix || key.startsWith(`${prefix}>`)) slots.delete(key);
    },
    close() {
      if (timer) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** The shape the ipvsadm emulator reads (its `StatsSource`), keyed by service. */
export interface ServiceStatsSource {
  stats(service: ServiceKey, dest?: Endpoint): Counters;
  rate(service: ServiceKey, dest?: Endpoint): Counters;
  zero(service?: ServiceKey): void;
}

// The VIP forwards TCP address services only; fwmark services read as zeros.
const virtualOf = (key: ServiceKey): Endpoint =>
  key.kind === 'addr' ? { family: key.family, address: key.address, port: key.port } : { family: key.family, address: 'fwmark', port: key.mark };

/** Adapt a director's counters to the emulator's `StatsSource`. */
export function statsSourceOf(traffic: TrafficStats): ServiceStatsSource {
  return {
    stats: (service, dest) => traffic.statsFor(virtualOf(service), dest),
    rate: (service, dest) => traffic.rateFor(virtualOf(service), dest),
    zero: (service) => traffic.zero(service && virtualOf(service)),
  };
}
