// Peak windows and freezes after validation: what the pure window logic consumes.

export const TRIGGERS = ['ci', 'manual', 'schedule'] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** ISO weekday numbers, 1 = Monday ... 7 = Sunday (Luxon's convention). */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface WeeklyWindow {
  name: string;
  /** The days on which the window *starts*. */
  days: Weekday[];
  /** Minutes after local midnight. */
  fromMinute: number;
  /** Minutes after local midnight; a `to` not after `from` ends the next day. */
  toMinute: number;
  /** Which triggers the window applies to; all when absent. */
  triggers?: Trigger[];
}

export interface Freeze {
  /** Local wall-clock times in the policy's zone, ISO without offset, e.g. '2026-11-10T00:00'. */
  from: string;
  to: string;
  reason: string;
  triggers?: Trigger[];
}

export interface PeakWindowsPolicy {
  /** IANA zone, e.g. 'Asia/Shanghai'. */
  timezone: string;
  windows: WeeklyWindow[];
  freezes: Freeze[];
  /** Also refuse when a window or freeze starts within this many milliseconds. */
  guardMs: number;
}
