import { describe, expect, it } from 'vitest';
import type { Destination } from '../../../src/ipvs/model.ts';
import { isTemplateUsable, scheduleDest, type DestLoad, type SchedulerState } from '../../../src/lab/net/scheduler.ts';
import { persistenceKey } from '../../../src/lab/net/persistence.ts';
import { aDest, aService } from './helpers.ts';

const CLIENT = { address: '127.0.2.1', port: 40000 };

/** Run `n` picks, feeding the state back, with a fixed or per-dest load. */
function picks(
  scheduler: string,
  dests: Destination[],
  n: number,
  load: (d: Destination) => DestLoad = () => ({ active: 0, inactive: 0 }),
  flags: string[] = [],
) {
  const service = aService(80, dests, { scheduler, flags });
  let state: SchedulerState | undefined;
  const out: Array<number | undefined> = [];
  for (let i = 0; i < n; i++) {
    const r = scheduleDest({ service, client: CLIENT, load, state });
    state = r.state;
    out.push(r.dest?.port);
  }
  return out;
}

describe('schedulers', () => {
  it('rr and wrr skip weight-0 dests', () => {
    const dests = [aDest(1), aDest(2, { weight: 0 }), aDest(3)];
    expect(picks('rr', dests, 4)).toEqual([1, 3, 1, 3]);
    expect(picks('wrr', dests, 4)).toEqual([1, 3, 1, 3]);
  });

  it('wrr interleaves by weight with the gcd step (4:2 → 2:1)', () => {
    expect(picks('wrr', [aDest(1, { weight: 4 }), aDest(2, { weight: 2 })], 6)).toEqual([1, 1, 2, 1, 1, 2]);
  });

  it('rr continues from the last pick when a dest is added', () => {
    const dests = [aDest(1), aDest(2)];
    const service = aService(80, dests);
    const first = scheduleDest({ service, client: CLIENT, load: () => ({ active: 0, inactive: 0 }) });
    dests.push(aDest(3));
    const second = scheduleDest({ service, client: CLIENT, load: () => ({ active: 0, inactive: 0 }), state: first.state });
    expect([first.dest?.port, second.dest?.port]).toEqual([1, 2]);
  });

  it('lc counts active ×256 + inactive; wlc divides by weight; weight 0 never chosen', () => {
    const load = (d: Destination) => ({ 1: { active: 1, inactive: 0 }, 2: { active: 0, inactive: 200 }, 3: { active: 0, inactive: 0 } })[d.port as 1 | 2 | 3];
    expect(picks('lc', [aDest(1), aDest(2), aDest(3, { weight: 0 })], 1, load)).toEqual([2]);
    expect(picks('wlc', [aDest(1, { weight: 10 }), aDest(2)], 1, load)).toEqual([1]);
    expect(picks('lc', [aDest(1, { weight: 0 })], 1, load)).toEqual([undefined]);
  });

  it('the upper threshold makes a dest overloaded', () => {
    const load = () => ({ active: 5, inactive: 0 });
    expect(picks('wlc', [aDest(1, { upperThreshold: 5 }), aDest(2, { weight: 1 })], 1, load)).toEqual([2]);
  });

  it('sh is sticky per client; a quiescent bucket has no dest unless sh-fallback', () => {
    const dests = [aDest(1), aDest(2)];
    const first = picks('sh', dests, 3);
    expect(new Set(first).size).toBe(1);
    const chosen = dests.find((d) => d.port === first[0])!;
    chosen.weight = 0;
    expect(picks('sh', dests, 1)).toEqual([undefined]);
    expect(picks('sh', dests, 1, undefined, ['sh-fallback'])).toEqual([chosen.port === 1 ? 2 : 1]);
  });

  it('templates are usable on a quiescent dest unless expire_quiescent_template, never on a deleted one', () => {
    const service = aService(80, [aDest(1, { weight: 0 })]);
    const rs = { address: '127.0.0.1', port: 1 };
    expect(isTemplateUsable(service, rs, { expireQuiescentTemplate: false })).toBe(true);
    expect(isTemplateUsable(service, rs, { expireQuiescentTemplate: true })).toBe(false);
    expect(isTemplateUsable(service, { ...rs, port: 2 }, { expireQuiescentTemplate: false })).toBe(false);
  });

  it('persistence keys on the client address under the netmask', () => {
    expect(persistenceKey('127.0.2.77', '255.255.255.0')).toBe('127.0.2.0');
    expect(persistenceKey('127.0.2.77', undefined)).toBe('127.0.2.77');
  });
});
