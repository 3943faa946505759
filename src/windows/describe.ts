// Windows and freezes written back the way a person writes them, for messages and JSON.

import type { Freeze, Weekday, WeeklyWindow } from './types.ts';

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function dayName(day: number): string {
  return DAY_NAMES[day - 1] ?? `day${day}`;
}

/** `daily`, `mon-fri`, `sat,sun`, `mon,wed-fri`: runs of three or more days become ranges. */
export function describeDays(days: readonly Weekday[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  if (sorted.length === 7) return 'daily';
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    const first = sorted[i] ?? 1;
    const last = sorted[j] ?? first;
    if (j - i >= 2) parts.push(`${dayName(first)}-${dayName(last)}`);
    else for (let k = i; k <= j; k++) parts.push(dayName(sorted[k] ?? first));
    i = j + 1;
  }
  return parts.join(',');
}

/** `09:00` from minutes after midnight (1440 prints as `24:00`). */
export function formatMinute(minute: number): string {
  const hours = Math.floor(minute / 60);
  const minutes = minute % 60;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/** `mon-fri 09:00-12:00`. */
export function describeWindow(window: WeeklyWindow): string {
  return `${describeDays(window.days)} ${formatMinute(window.fromMinute)}-${formatMinute(window.toMinute)}`;
}

/** `2026-11-10 00:00 to 2026-11-12 02:00`, from the freeze's own local ISO strings. */
export function describeFreeze(freeze: Freeze): string {
  return `${freeze.from.replace('T', ' ')} to ${freeze.to.replace('T', ' ')}`;
}
