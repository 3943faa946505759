// Windows on daylight-saving days: occurrences are real instants computed in the zone.

import { describe, expect, it } from 'vitest';
import { evaluateWindows } from '../../src/windows/evaluate.ts';
import type { PeakWindowsPolicy } from '../../src/windows/types.ts';
import { aPolicy, aWindow, DAILY } from './builders.ts';

function blockerAt(policy: PeakWindowsPolicy, at: string) {
  const decision = evaluateWindows(policy, { at: new Date(at), trigger: 'ci' });
  return decision.allowed ? undefined : decision.blockers[0];
}

function lengthHours(policy: PeakWindowsPolicy, at: string): number | undefined {
  const blocker = blockerAt(policy, at);
  return blocker && (blocker.end.getTime() - blocker.start.getTime()) / 3_600_000;
}

describe('Europe/Berlin, spring forward 2026-03-29 (02:00 CET → 03:00 CEST)', () => {
  const night = aPolicy({ timezone: 'Europe/Berlin', windows: [aWindow({ name: 'night', days: DAILY, from: '01:30', to: '03:30' })] });

  it('01:30-03:30 lasts one real hour that day', () => {
    expect(lengthHours(night, '2026-03-29T01:00:00Z')).toBe(1);
    expect(blockerAt(night, '2026-03-29T00:30:00Z')).toMatchObject({ startLocal: '2026-03-29 01:30', endLocal: '2026-03-29 03:30' });
    expect(blockerAt(night, '2026-03-29T00:29:59Z')).toBeUndefined();
    expect(blockerAt(night, '2026-03-29T01:29:59Z')).toBeDefined();
    expect(blockerAt(night, '2026-03-29T01:30:00Z')).toBeUndefined();
    expect(lengthHours(night, '2026-03-28T01:00:00Z')).toBe(2);
  });

  it('a start in the gap (02:30) maps forward to 03:30 CEST', () => {
    const gap = aPolicy({ timezone: 'Europe/Berlin', windows: [aWindow({ name: 'gap', days: [7], from: '02:30', to: '04:00' })] });
    expect(blockerAt(gap, '2026-03-29T01:29:59Z')).toBeUndefined();
    expect(blockerAt(gap, '2026-03-29T01:30:00Z')).toMatchObject({ startUtc: '2026-03-29T01:30:00Z', startLocal: '2026-03-29 03:30' });
  });

  it('both boundaries in the gap shift forward by the gap: 02:15-02:45 becomes 03:15-03:45 CEST', () => {
    const inGap = aPolicy({ timezone: 'Europe/Berlin', windows: [aWindow({ name: 'shifted', days: DAILY, from: '02:15', to: '02:45' })] });
    expect(blockerAt(inGap, '2026-03-29T01:14:59Z')).toBeUndefined();
    expect(blockerAt(inGap, '2026-03-29T01:15:00Z')).toMatchObject({ startLocal: '2026-03-29 03:15', endLocal: '2026-03-29 03:45' });
  });

  it('a start shifted past its end (02:30-03:00) leaves no occurrence that day', () => {
    const empty = aPolicy({ timezone: 'Europe/Berlin', windows: [aWindow({ name: 'empty', days: DAILY, from: '02:30', to: '03:00' })] });
    const decision = evaluateWindows(empty, { at: new Date('2026-03-29T00:59:00Z'), trigger: 'ci' });
    expect(decision.allowed).toBe(true);
    if (decision.allowed) expect(decision.nextBlock?.startUtc).toBe('2026-03-30T00:30:00Z');
  });
});

describe('Europe/Berlin, fall back 2026-10-25 (03:00 CEST → 02:00 CET)', () => {
  it('01:30-03:30 lasts three real hours that day', () => {
    const night = aPolicy({ timezone: 'Europe/Berlin', windows: [aWindow({ name: 'night', days: DAILY, from: '01:30', to: '03:30' })] });
    expect(lengthHours(night, '2026-10-25T00:00:00Z')).toBe(3);
    expect(blockerAt(night, '2026-10-24T23:30:00Z')?.startUtc).toBe('2026-10-24T23:30:00Z');
    expect(blockerAt(night, '2026-10-25T02:29:59Z')).toBeDefined();
    expect(blockerAt(night, '2026-10-25T02:30:00Z')).toBeUndefined();
  });

  it('an ambiguous start (02:30) takes its first occurrence (CEST)', () => {
    const late = aPolicy({ timezone: 'Europe/Berlin', windows: [aWindow({ name: 'late', days: [7], from: '02:30', to: '05:00' })] });
    expect(blockerAt(late, '2026-10-25T00:29:59Z')).toBeUndefined();
    expect(blockerAt(late, '2026-10-25T00:30:00Z')?.startUtc).toBe('2026-10-25T00:30:00Z');
    expect(lengthHours(late, '2026-10-25T01:00:00Z')).toBe(3.5);
  });
});

describe('America/New_York, spring forward 2026-03-08 and fall back 2026-11-01', () => {
  it('01:00-04:00 lasts two real hours on spring-forward day', () => {
    const ny = aPolicy({ timezone: 'America/New_York', windows: [aWindow({ name: 'n', days: DAILY, from: '01:00', to: '04:00' })] });
    expect(blockerAt(ny, '2026-03-08T06:00:00Z')?.startUtc).toBe('2026-03-08T06:00:00Z');
    expect(blockerAt(ny, '2026-03-08T07:59:59Z')?.endUtc).toBe('2026-03-08T08:00:00Z');
    expect(blockerAt(ny, '2026-03-08T08:00:00Z')).toBeUndefined();
    expect(lengthHours(ny, '2026-03-08T07:00:00Z')).toBe(2);
  });

  it('01:30-02:30 on fall-back day starts at the first 01:30 (EDT) and lasts two hours', () => {
    const ny = aPolicy({ timezone: 'America/New_York', windows: [aWindow({ name: 'n', days: DAILY, from: '01:30', to: '02:30' })] });
    expect(blockerAt(ny, '2026-11-01T05:29:59Z')).toBeUndefined();
    expect(blockerAt(ny, '2026-11-01T05:30:00Z')?.startUtc).toBe('2026-11-01T05:30:00Z');
    expect(blockerAt(ny, '2026-11-01T06:45:00Z')).toBeDefined(); // 01:45 EST, the second pass
    expect(blockerAt(ny, '2026-11-01T07:30:00Z')).toBeUndefined();
    expect(lengthHours(ny, '2026-11-01T06:00:00Z')).toBe(2);
  });

  it('a midnight-crossing window over fall back ends at local 02:00 EST', () => {
    const ny = aPolicy({ timezone: 'America/New_York', windows: [aWindow({ name: 'sat', days: [6], from: '23:00', to: '02:00' })] });
    // Sat 2026-10-31 23:00 EDT (03:00Z) to Sun 02:00 EST (07:00Z): four real hours.
    expect(lengthHours(ny, '2026-11-01T04:00:00Z')).toBe(4);
    expect(blockerAt(ny, '2026-11-01T07:00:00Z')).toBeUndefined();
  });
});
