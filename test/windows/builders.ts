// Test data builders for peak-window policies.

import type { Freeze, PeakWindowsPolicy, WeeklyWindow, Weekday } from '../../src/windows/types.ts';

export const WEEKDAYS: Weekday[] = [1, 2, 3, 4, 5];
export const DAILY: Weekday[] = [1, 2, 3, 4, 5, 6, 7];

/** `'09:30'` → 570. */
export function hm(text: string): number {
  const [h, m] = text.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

export function aWindow(overrides: Partial<WeeklyWindow> & { from?: string; to?: string } = {}): WeeklyWindow {
  const { from = '09:00', to = '12:00', ...rest } = overrides;
  return { name: 'weekday-morning', days: WEEKDAYS, fromMinute: hm(from), toMinute: hm(to), ...rest };
}

export function aFreeze(overrides: Partial<Freeze> = {}): Freeze {
  return { from: '2026-11-10T00:00', to: '2026-11-12T02:00', reason: 'Double 11', ...overrides };
}

export function aPolicy(overrides: Partial<PeakWindowsPolicy> = {}): PeakWindowsPolicy {
  return { timezone: 'Asia/Shanghai', windows: [aWindow()], freezes: [], guardMs: 0, ...overrides };
}

export const MINUTE = 60_000;
