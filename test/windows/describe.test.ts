import { describe, expect, it } from 'vitest';
import { describeDays, describeFreeze, describeWindow, formatMinute } from '../../src/windows/describe.ts';
import { aFreeze, aWindow } from './builders.ts';

describe('describe', () => {
  it('days as a person writes them', () => {
    expect(describeDays([1, 2, 3, 4, 5])).toBe('mon-fri');
    expect(describeDays([7, 6])).toBe('sat,sun');
    expect(describeDays([1, 2, 3, 4, 5, 6, 7])).toBe('daily');
    expect(describeDays([1, 3, 4, 5])).toBe('mon,wed-fri');
  });

  it('windows, freezes, minutes', () => {
    expect(describeWindow(aWindow({ days: [6], from: '23:00', to: '02:00' }))).toBe('sat 23:00-02:00');
    expect(describeFreeze(aFreeze())).toBe('2026-11-10 00:00 to 2026-11-12 02:00');
    expect(formatMinute(1440)).toBe('24:00');
  });
});
