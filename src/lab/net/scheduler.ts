// The IPVS schedulers the lab needs, as pure functions of the service, the dests' connection
// counts and the per-service state they carry between calls (ip_vs_rr/wrr/lc/wlc/sed/nq/sh.c).
// NOTE: every scheduler skips weight-0 (quiescent) dests (LVS.md §4.2); sh treats them as
// unavailable and, without sh-fallback, returns no destination for the clients hashing there.
import { ipv4ToNumber } from '../../ipvs/ip-number.ts';
import type { Destination, VirtualService } from '../../ipvs/model.ts';

export interface DestLoad {
  active: number;
  inactive: number;
}

/** What a scheduler remembers between calls for one service (`sched_data`). */
export interface SchedulerState {
  /** The dest picked last (`address:port`), where rr/wrr continue from. */
  last?: string;
  /** wrr's current weight. */
  cw?: number;
}

export interface ScheduleInput {
  service: VirtualService;
  client: { address: string; port: number };
  load: (dest: Destination) => DestLoad;
  state?: SchedulerState;
}

export interface ScheduleResult {
  dest: Destination | undefined;
  state: SchedulerState;
}

/** Schedulers modelled faithfully; any other name is scheduled as wlc. */
export const MODELLED_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'sed', 'nq', 'sh'] as const;

const destId = (d: Destination) => `${d.address}:${d.port}`;

/** `IP_VS_DEST_F_OVERLOAD`, simplified: at or over the upper threshold (no hysteresis). */
function isOverloaded(d: Destination, load: DestLoad): boolean {
  return d.upperThreshold > 0 && load.active + load.inactive >= d.upperThreshold;
}

const usable = (d: Destination, load: (d: Destination) => DestLoad) => d.weight > 0 && !isOverloaded(d, load(d));

/** Pick a destination for a new connection (no persistence here: see persistence.ts). */
export function scheduleDest(input: ScheduleInput): ScheduleResult {
  const state = input.state ?? {};
  switch (input.service.scheduler) {
    case 'rr':
      return roundRobin(input.service.dests, input.load, state);
    case 'wrr':
      return weightedRoundRobin(input.service.dests, input.load, state);
    case 'lc':
      return {
        dest: leastBy(
          input.service.dests,
          input.load,
          (l) => l.active * 256 + l.inactive,
          () => 1,
        ),
        state,
      };
    case 'sed':
      return {
        dest: leastBy(
          input.service.dests,
          input.load,
          (l) => l.active + 1,
          (d) => d.weight,
        ),
        state,
      };
    case 'nq':
      return { dest: neverQueue(input.service.dests, input.load), state };
    case 'sh':
      return { dest: sourceHash(input.service, input.client), state };
    default:
      return {
        dest: leastBy(
          input.service.dests,
          input.load,
          (l) => l.active * 256 + l.inactive,
          (d) => d.weight,
        ),
        state,
      };
  }
}

// rr continues after the last pick and skips weight-0 dests.
function roundRobin(dests: readonly Destination[], load: (d: Destination) => DestLoad, state: SchedulerState): ScheduleResult {
  const start = dests.findIndex((d) => destId(d) === state.last);
  for (let k = 1; k <= dests.length; k++) {
    const d = dests[(start + k + dests.length) % dests.length];
    if (d && usable(d, load)) return { dest: d, state: { ...state, last: destId(d) } };
  }
  return { dest: undefined, state };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

// ip_vs_wrr_schedule: walk the list, taking dests whose weight >= cw; lower cw by the gcd of
// the weights after each full pass, back to the max weight when it reaches 0.
function weightedRoundRobin(dests: readonly Destination[], load: (d: Destination) => DestLoad, state: SchedulerState): ScheduleResult {
  const weights = dests.filter((d) => d.weight > 0).map((d) => d.weight);
  const mw = Math.max(0, ...weights);
  if (mw === 0) return { dest: undefined, state: { last: undefined, cw: 0 } };
  const di = weights.reduce(gcd);
  let cw = Math.min(state.cw ?? mw, mw) || mw;
  let i = dests.findIndex((d) => destId(d) === state.last);
  // At most one sweep per weight step, plus one: bounded even when all are overloaded.
  for (let steps = (mw / di + 1) * (dests.length + 1); steps > 0; steps--) {
    i++;
    if (i >= dests.length) {
      i = -1;
      cw -= di;
      if (cw <= 0) cw = mw;
      continue;
    }
    const d = dests[i];
    if (d && d.weight >= cw && !isOverloaded(d, load(d))) return { dest: d, state: { last: destId(d), cw } };
  }
  return { dest: undefined, state: { ...state, cw } };
}

// lc/wlc/sed: least overhead per weight; ties go to the first dest in list order.
function leastBy(
  dests: readonly Destination[],
  load: (d: Destination) => DestLoad,
  overhead: (l: DestLoad) => number,
  weightOf: (d: Destination) => number,
): Destination | undefined {
  let least: Destination | undefined;
  let loh = 0;
  for (const d of dests) {
    if (!usable(d, load)) continue;
    const doh = overhead(load(d));
    if (!least || loh * weightOf(d) > doh * weightOf(least)) {
      least = d;
      loh = doh;
    }
  }
  return least;
}

// nq: an idle dest (no active connections) first, else sed.
function neverQueue(dests: readonly Destination[], load: (d: Destination) => DestLoad): Destination | undefined {
  const idle = dests.find((d) => usable(d, load) && load(d).active === 0);
  return (
    idle ??
    leastBy(
      dests,
      load,
      (l) => l.active + 1,
      (d) => d.weight,
    )
  );
}

const SH_TAB_BITS = 8;
const SH_TAB_SIZE = 1 << SH_TAB_BITS;

/** `hash_32(ntohs(port) + ntohl(addr), 8)` plus the probe offset, as ip_vs_sh_hashkey does. */
function shHash(address: string, port: number, offset: number): number {
  const value = ((ipv4ToNumber(address) ?? 0) + port) >>> 0;
  return (offset + (Math.imul(value, 0x61c88647) >>> (32 - SH_TAB_BITS))) & (SH_TAB_SIZE - 1);
}

// ip_vs_sh_reassign: fill 256 buckets walking the dests, each repeated `weight` times (at
// least once, even at weight 0); a bucket whose dest is quiescent is unavailable.
function shBuckets(dests: readonly Destination[]): Destination[] {
  const buckets: Destination[] = [];
  let i = 0;
  let count = 0;
  while (dests.length > 0 && buckets.length < SH_TAB_SIZE) {
    const d = dests[i % dests.length] as Destination;
    buckets.push(d);
    if (++count >= d.weight) {
      i++;
      count = 0;
    }
  }
  return buckets;
}

function sourceHash(service: VirtualService, client: { address: string; port: number }): Destination | undefined {
  const buckets = shBuckets(service.dests);
  if (buckets.length === 0) return undefined;
  const port = service.flags.includes('sh-port') ? client.port : 0;
  const first = buckets[shHash(client.address, port, 0)];
  if (first && first.weight > 0) return first;
  if (!service.flags.includes('sh-fallback')) return undefined;
  // ip_vs_sh_get_fallback: probe further buckets until an available dest turns up.
  const ihash = shHash(client.address, port, 0);
  for (let offset = 0; offset < SH_TAB_SIZE; offset++) {
    const d = buckets[shHash(client.address, port, (offset + ihash) % SH_TAB_SIZE)];
    if (d && d.weight > 0) return d;
  }
  return undefined;
}

/**
 * `ip_vs_check_template`: a template still routes only while its dest is in the service
 * (not deleted) and, with `expire_quiescent_template=1`, has a weight above 0.
 */
export function isTemplateUsable(service: VirtualService, dest: { address: string; port: number }, options: { expireQuiescentTemplate: boolean }): boolean {
  const current = service.dests.find((d) => d.address === dest.address && d.port === dest.port);
  if (!current) return false;
  return !(options.expireQuiescentTemplate && current.weight === 0);
}
