import { describe, expect, it } from 'vitest';
import type { RefusedDecision, WindowDecision } from '../../src/windows/decision.ts';
import { evaluateWindows, isInPeakWindow, isReleaseAllowed } from '../../src/windows/evaluate.ts';
import type { PeakWindowsPolicy, Trigger } from '../../src/windows/types.ts';
import { aFreeze, aPolicy, aWindow, DAILY, MINUTE } from './builders.ts';

function decide(policy: PeakWindowsPolicy, at: string, trigger: Trigger = 'ci'): WindowDecision {
  return evaluateWindows(policy, { at: new Date(at), trigger });
}

function refused(policy: PeakWindowsPolicy, at: string, trigger: Trigger = 'ci'): RefusedDecision {
  const decision = decide(policy, at, trigger);
  if (decision.allowed) throw new Error(`expected ${at} to be refused`);
  return decision;
}

describe('evaluateWindows: weekday 09:00-12:00 Asia/Shanghai (the issue)', () => {
  const policy = aPolicy();

  it('refuses Wednesday 10:00, naming the window and its end', () => {
    const decision = refused(policy, '2026-11-25T10:00:00+08:00');
    expect(decision.blockers).toHaveLength(1);
    expect(decision.blockers[0]).toMatchObject({
      kind: 'window',
      name: 'weekday-morning',
      rule: 'mon-fri 09:00-12:00',
      timezone: 'Asia/Shanghai',
      startLocal: '2026-11-25 09:00',
      endLocal: '2026-11-25 12:00',
      startUtc: '2026-11-25T01:00:00Z',
      endUtc: '2026-11-25T04:00:00Z',
    });
    expect(decision.nextAllowed?.toISOString()).toBe('2026-11-25T04:00:00.000Z');
  });

  it('allows 13:00, and points at the next morning', () => {
    const decision = decide(policy, '2026-11-25T13:00:00+08:00');
    expect(decision.allowed).toBe(true);
    if (!decision.allowed) return;
    expect(decision.nextBlock?.startUtc).toBe('2026-11-26T01:00:00Z');
  });

  it('refuses exactly at from, allows exactly at to (end exclusive)', () => {
    expect(decide(policy, '2026-11-25T09:00:00+08:00').allowed).toBe(false);
    expect(decide(policy, '2026-11-25T08:59:59.999+08:00').allowed).toBe(true);
    expect(decide(policy, '2026-11-25T11:59:59.999+08:00').allowed).toBe(false);
    expect(decide(policy, '2026-11-25T12:00:00+08:00').allowed).toBe(true);
  });

  it('allows Saturday 10:00 (not a start day)', () => {
    expect(decide(policy, '2026-11-28T10:00:00+08:00').allowed).toBe(true);
  });
});

describe('evaluateWindows: windows that cross midnight', () => {
  const evening = aWindow({ name: 'evening', days: DAILY, from: '19:00', to: '23:30' });
  const lateSat = aWindow({ name: 'late-sat', days: [6], from: '23:00', to: '02:00' });
  const policy = aPolicy({ windows: [evening, lateSat] });

  it('evening ends at 23:30 exactly', () => {
    expect(refused(policy, '2026-11-25T23:29:00+08:00').blockers.map((b) => b.name)).toEqual(['evening']);
    expect(decide(policy, '2026-11-25T23:30:00+08:00').allowed).toBe(true);
  });

  it('sat 23:00-02:00 blocks just before midnight, just after, and not at its end', () => {
    expect(refused(policy, '2026-11-28T23:59:00+08:00').blockers.map((b) => b.name)).toEqual(['late-sat']);
    const afterMidnight = refused(policy, '2026-11-29T00:01:00+08:00');
    expect(afterMidnight.blockers[0]).toMatchObject({ name: 'late-sat', startLocal: '2026-11-28 23:00', endLocal: '2026-11-29 02:00' });
    expect(decide(policy, '2026-11-29T02:00:00+08:00').allowed).toBe(true);
  });

  it('a Friday night is not covered by the Saturday window', () => {
    expect(decide(policy, '2026-11-27T23:45:00+08:00').allowed).toBe(true);
  });

  it('overlapping windows: next allowed is the end of the chain', () => {
    const decision = refused(policy, '2026-11-28T20:00:00+08:00');
    expect(decision.blockers.map((b) => b.name)).toEqual(['evening']);
    expect(decision.nextAllowed?.toISOString()).toBe(new Date('2026-11-29T02:00:00+08:00').toISOString());
  });

  it('a Sunday-night window wraps the week into Monday', () => {
    const sunday = aPolicy({ windows: [aWindow({ name: 'sun-night', days: [7], from: '22:00', to: '06:00' })] });
    expect(refused(sunday, '2026-11-30T03:00:00+08:00').blockers[0]?.startLocal).toBe('2026-11-29 22:00');
    expect(decide(sunday, '2026-11-30T06:00:00+08:00').allowed).toBe(true);
  });

  it('a window whose to equals from lasts a whole day', () => {
    const allDay = aPolicy({ windows: [aWindow({ name: 'sat', days: [6], from: '00:00', to: '00:00' })] });
    expect(refused(allDay, '2026-11-28T23:59:00+08:00').blockers[0]?.endLocal).toBe('2026-11-29 00:00');
  });
});

describe('evaluateWindows: next allowed across back-to-back windows', () => {
  it('jumps over windows that touch', () => {
    const policy = aPolicy({ windows: [aWindow({ name: 'a' }), aWindow({ name: 'b', from: '12:00', to: '14:00' })] });
    const decision = refused(policy, '2026-11-25T10:00:00+08:00');
    expect(decision.nextAllowed?.toISOString()).toBe(new Date('2026-11-25T14:00:00+08:00').toISOString());
  });

  it('a guard that reaches the next window bridges the gap; one that does not leaves it open', () => {
    const bridged = aPolicy({ guardMs: 30 * MINUTE, windows: [aWindow({ name: 'a' }), aWindow({ name: 'b', from: '12:20', to: '13:00' })] });
    expect(refused(bridged, '2026-11-25T10:00:00+08:00').nextAllowed?.toISOString()).toBe(new Date('2026-11-25T13:00:00+08:00').toISOString());
    const open = aPolicy({ guardMs: 30 * MINUTE, windows: [aWindow({ name: 'a' }), aWindow({ name: 'b', from: '12:30', to: '13:00' })] });
    expect(refused(open, '2026-11-25T10:00:00+08:00').nextAllowed?.toISOString()).toBe(new Date('2026-11-25T12:00:00+08:00').toISOString());
  });

  it('says so explicitly when nothing is allowed within the horizon', () => {
    const always = aPolicy({ windows: [aWindow({ name: 'always', days: DAILY, from: '00:00', to: '00:00' })] });
    const decision = refused(always, '2026-11-25T10:00:00+08:00');
    expect(decision.nextAllowed).toBeNull();
    expect(decision.searchedUntil.toISOString()).toBe('2026-12-25T02:00:00.000Z');
  });
});

describe('evaluateWindows: freezes', () => {
  const policy = aPolicy({ windows: [], freezes: [aFreeze()] });

  it('applies from its start (inclusive) to its end (exclusive)', () => {
    expect(decide(policy, '2026-11-09T23:59:59+08:00').allowed).toBe(true);
    expect(refused(policy, '2026-11-10T00:00:00+08:00').blockers[0]).toMatchObject({
      kind: 'freeze',
      name: 'Double 11',
      endUtc: '2026-11-11T18:00:00Z',
    });
    expect(decide(policy, '2026-11-12T01:59:59+08:00').allowed).toBe(false);
    expect(decide(policy, '2026-11-12T02:00:00+08:00').allowed).toBe(true);
  });

  it('lists the freeze before a window it overlaps, and waits out both', () => {
    const both = aPolicy({ freezes: [aFreeze({ to: '2026-11-11T10:30' })] });
    const decision = refused(both, '2026-11-11T10:00:00+08:00');
    expect(decision.blockers.map((b) => b.kind)).toEqual(['freeze', 'window']);
    expect(decision.nextAllowed?.toISOString()).toBe(new Date('2026-11-11T12:00:00+08:00').toISOString());
  });

  it('searches past the horizon to the end of a long freeze', () => {
    const long = aPolicy({ windows: [], freezes: [aFreeze({ from: '2026-11-01T00:00', to: '2027-01-15T00:00' })] });
    expect(refused(long, '2026-11-05T00:00:00+08:00').nextAllowed?.toISOString()).toBe('2027-01-14T16:00:00.000Z');
  });
});

describe('evaluateWindows: guard', () => {
  const policy = aPolicy({ guardMs: 30 * MINUTE, freezes: [aFreeze()] });

  it('allows a start exactly one guard before the window, refuses a millisecond later', () => {
    expect(decide(policy, '2026-11-25T08:30:00+08:00').allowed).toBe(true);
    const decision = refused(policy, '2026-11-25T08:30:00.001+08:00');
    expect(decision.blockers[0]).toMatchObject({ kind: 'guard', source: 'window', name: 'weekday-morning', startsInMs: 30 * MINUTE - 1 });
  });

  it('names the window that starts soon and when; next allowed is after that window', () => {
    const decision = refused(policy, '2026-11-25T08:45:00+08:00');
    expect(decision.blockers[0]).toMatchObject({ kind: 'guard', startUtc: '2026-11-25T01:00:00Z', startsInMs: 15 * MINUTE });
    expect(decision.nextAllowed?.toISOString()).toBe('2026-11-25T04:00:00.000Z');
  });

  it('guards freezes too', () => {
    expect(refused(policy, '2026-11-09T23:45:00+08:00').blockers[0]).toMatchObject({ kind: 'guard', source: 'freeze', name: 'Double 11' });
  });

  it('an allowed decision tells when the guard of the next block begins', () => {
    const decision = decide(policy, '2026-11-25T08:00:00+08:00');
    if (!decision.allowed) throw new Error('expected allowed');
    expect(decision.nextBlock).toMatchObject({ name: 'weekday-morning', startUtc: '2026-11-25T01:00:00Z' });
    expect(decision.nextBlock?.guardFrom.toISOString()).toBe('2026-11-25T00:30:00.000Z');
  });
});

describe('evaluateWindows: trigger scopes', () => {
  const batchJobs = aWindow({ name: 'batch-jobs', days: [6, 7], from: '01:00', to: '03:00', triggers: ['schedule'] });
  const policy = aPolicy({ windows: [batchJobs], freezes: [aFreeze({ triggers: ['ci'] })], guardMs: 30 * MINUTE });

  it('a scoped window refuses only its triggers', () => {
    expect(decide(policy, '2026-11-28T02:00:00+08:00', 'schedule').allowed).toBe(false);
    expect(decide(policy, '2026-11-28T02:00:00+08:00', 'ci').allowed).toBe(true);
    expect(decide(policy, '2026-11-28T02:00:00+08:00', 'manual').allowed).toBe(true);
  });

  it('the guard follows the scope', () => {
    expect(decide(policy, '2026-11-28T00:45:00+08:00', 'schedule').allowed).toBe(false);
    expect(decide(policy, '2026-11-28T00:45:00+08:00', 'manual').allowed).toBe(true);
  });

  it('a scoped freeze refuses only its triggers', () => {
    expect(decide(policy, '2026-11-11T02:00:00+08:00', 'ci').allowed).toBe(false);
    expect(decide(policy, '2026-11-11T02:00:00+08:00', 'manual').allowed).toBe(true);
  });
});

describe('predicates', () => {
  const policy = aPolicy({ guardMs: 30 * MINUTE });

  it('isInPeakWindow ignores the guard; isReleaseAllowed does not', () => {
    const at = { at: new Date('2026-11-25T08:45:00+08:00'), trigger: 'ci' as const };
    expect(isInPeakWindow(policy, at)).toBe(false);
    expect(isReleaseAllowed(policy, at)).toBe(false);
    expect(isInPeakWindow(policy, { ...at, at: new Date('2026-11-25T09:00:00+08:00') })).toBe(true);
  });

  it('an unknown zone is a config error', () => {
    expect(() => decide(aPolicy({ timezone: 'Mars/Olympus' }), '2026-11-25T10:00:00Z')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
