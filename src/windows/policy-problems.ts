// Checks on a normalized policy that only the time logic can make (zone, DST-aware freeze order).
// The config loader reports these with the rest, so every problem is shown at once.

import { isValidZone, parseLocalIso } from './local-time.ts';
import type { PeakWindowsPolicy } from './types.ts';

export interface PolicyProblem {
  /** Path below `peakWindows`, e.g. `freezes[0].to`. */
  path: string;
  message: string;
}

const OFFSET_SUFFIX = /T[\d:.,]+(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;

function isMinute(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}

/** Every problem in the policy; empty when evaluateWindows can use it. */
export function findPolicyProblems(policy: PeakWindowsPolicy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const zoneOk = isValidZone(policy.timezone);
  if (!zoneOk) problems.push({ path: 'timezone', message: `unknown time zone "${policy.timezone}"` });
  if (!Number.isFinite(policy.guardMs) || policy.guardMs < 0) {
    problems.push({ path: 'guard', message: 'must be a duration of zero or more' });
  }
  policy.windows.forEach((window, i) => {
    const at = `windows[${i}]`;
    if (window.name.trim() === '') problems.push({ path: `${at}.name`, message: 'must not be empty' });
    if (window.days.length === 0) problems.push({ path: `${at}.days`, message: 'names no day' });
    if (window.days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) {
      problems.push({ path: `${at}.days`, message: 'days are ISO weekdays 1 (mon) to 7 (sun)' });
    }
    if (!isMinute(window.fromMinute, 1439)) problems.push({ path: `${at}.from`, message: 'must be a time from 00:00 to 23:59' });
    if (!isMinute(window.toMinute, 1440)) problems.push({ path: `${at}.to`, message: 'must be a time from 00:00 to 24:00' });
  });
  policy.freezes.forEach((freeze, i) => {
    const at = `freezes[${i}]`;
    for (const key of ['from', 'to'] as const) {
      if (OFFSET_SUFFIX.test(freeze[key])) {
        problems.push({ path: `${at}.${key}`, message: `"${freeze[key]}" has an offset; write local time in ${policy.timezone}` });
      }
    }
    if (!zoneOk) return;
    const from = parseLocalIso(policy.timezone, freeze.from);
    const to = parseLocalIso(policy.timezone, freeze.to);
    if (from === undefined) problems.push({ path: `${at}.from`, message: `"${freeze.from}" is not a date-time like 2026-11-10T00:00` });
    if (to === undefined) problems.push({ path: `${at}.to`, message: `"${freeze.to}" is not a date-time like 2026-11-12T02:00` });
    if (from !== undefined && to !== undefined && to.toMillis() <= from.toMillis()) {
      problems.push({ path: `${at}.to`, message: `must be after from (${freeze.from})` });
    }
  });
  return problems;
}
