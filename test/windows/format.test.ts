import { describe, expect, it } from 'vitest';
import { evaluateWindows } from '../../src/windows/evaluate.ts';
import { formatDecision, formatDuration, windowRefusalError } from '../../src/windows/format.ts';
import type { PeakWindowsPolicy, Trigger } from '../../src/windows/types.ts';
import { aFreeze, aPolicy, aWindow, DAILY, MINUTE } from './builders.ts';

function lines(policy: PeakWindowsPolicy, at: string, trigger: Trigger = 'ci'): string[] {
  return formatDecision(evaluateWindows(policy, { at: new Date(at), trigger }), policy);
}

function refusal(policy: PeakWindowsPolicy, at: string) {
  const decision = evaluateWindows(policy, { at: new Date(at), trigger: 'ci' });
  if (decision.allowed) throw new Error('expected a refusal');
  return windowRefusalError(decision, policy);
}

describe('formatDecision', () => {
  it('a refusal inside a window names it, its end in zone and UTC, and the next allowed start', () => {
    expect(lines(aPolicy(), '2026-11-25T10:00:00+08:00')).toEqual([
      'at 2026-11-25 10:00 Asia/Shanghai (2026-11-25T02:00:00Z), trigger ci',
      'refused: inside peak window "weekday-morning" (mon-fri 09:00-12:00 Asia/Shanghai) until 2026-11-25 12:00 Asia/Shanghai (04:00Z)',
      'next allowed start: 2026-11-25 12:00 Asia/Shanghai (2026-11-25T04:00:00Z)',
    ]);
  });

  it('a freeze ending on another UTC date shows the UTC date', () => {
    const out = lines(aPolicy({ windows: [], freezes: [aFreeze()] }), '2026-11-11T10:00:00+08:00');
    expect(out[1]).toBe(
      'refused: inside freeze "Double 11" (2026-11-10 00:00 to 2026-11-12 02:00 Asia/Shanghai) until 2026-11-12 02:00 Asia/Shanghai (2026-11-11T18:00Z)',
    );
  });

  it('a guard says which window starts, in how long, and the guard', () => {
    const out = lines(aPolicy({ guardMs: 30 * MINUTE }), '2026-11-25T08:45:00+08:00');
    expect(out[1]).toBe(
      'refused: peak window "weekday-morning" (mon-fri 09:00-12:00 Asia/Shanghai) starts in 15m at 2026-11-25 09:00 Asia/Shanghai (01:00Z), within the 30m guard',
    );
    expect(out[2]).toBe('next allowed start: 2026-11-25 12:00 Asia/Shanghai (2026-11-25T04:00:00Z)');
  });

  it('an allowed start shows the next block and when its guard begins', () => {
    expect(lines(aPolicy({ guardMs: 30 * MINUTE }), '2026-11-25T13:00:00+08:00')).toEqual([
      'at 2026-11-25 13:00 Asia/Shanghai (2026-11-25T05:00:00Z), trigger ci',
      'allowed: no peak window, freeze or guard applies',
      'next block: peak window "weekday-morning" (mon-fri 09:00-12:00 Asia/Shanghai) from 2026-11-26 09:00 Asia/Shanghai (01:00Z); with the 30m guard, starts are refused after 2026-11-26 08:30 Asia/Shanghai (00:30Z)',
    ]);
  });

  it('says when no allowed start was found', () => {
    const always = aPolicy({ windows: [aWindow({ name: 'always', days: DAILY, from: '00:00', to: '00:00' })] });
    expect(lines(always, '2026-11-25T10:00:00+08:00').at(-1)).toBe(
      'next allowed start: none found before 2026-12-25 10:00 Asia/Shanghai (2026-12-25T02:00:00Z)',
    );
  });
});

describe('windowRefusalError', () => {
  it('is PEAK_WINDOW (exit 3) with the window, its end and a hint to wait or force', () => {
    const error = refusal(aPolicy(), '2026-11-25T10:00:00+08:00');
    expect(error.code).toBe('PEAK_WINDOW');
    expect(error.exitStatus).toBe(3);
    expect(error.message).toBe('Inside peak window "weekday-morning" (mon-fri 09:00-12:00 Asia/Shanghai) until 2026-11-25 12:00 Asia/Shanghai (04:00Z).');
    expect(error.hint).toContain('Next allowed start: 2026-11-25 12:00 Asia/Shanghai (2026-11-25T04:00:00Z)');
    expect(error.hint).toContain('--force-window --reason');
    expect(error.details).toMatchObject({ nextAllowed: '2026-11-25T04:00:00Z', trigger: 'ci' });
  });

  it('is FREEZE when a freeze blocks, and counts the other blockers', () => {
    const error = refusal(aPolicy({ freezes: [aFreeze()] }), '2026-11-11T10:00:00+08:00');
    expect(error.code).toBe('FREEZE');
    expect(error.message).toMatch(/^Inside freeze "Double 11" .* \(and 1 more\)\.$/);
  });
});

describe('formatDuration', () => {
  it('uses the largest non-zero units', () => {
    expect(formatDuration(30 * MINUTE)).toBe('30m');
    expect(formatDuration(90 * MINUTE)).toBe('1h30m');
    expect(formatDuration(26 * 60 * MINUTE + 5000)).toBe('1d2h5s');
    expect(formatDuration(0)).toBe('0s');
  });
});
