// Reading the `peakWindows` block: days, HH:MM clocks, local date-times, and the normalized policy.

import { DateTime, IANAZone } from 'luxon';
import type { Freeze, PeakWindowsPolicy, Weekday, WeeklyWindow } from '../windows/types.ts';
import { CLUSTER_DEFAULTS } from './defaults.ts';
import { closestMatch } from './did-you-mean.ts';
import type { ClusterFile } from './schema.ts';

export const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; hint: string };

const DAYS_HINT = 'write daily, a day (sat), a range (mon-fri, fri-mon) or a list of them ([sat, sun])';

function dayNumber(name: string): Weekday | undefined {
  const index = DAY_NAMES.indexOf(name.toLowerCase() as (typeof DAY_NAMES)[number]);
  return index < 0 ? undefined : ((index + 1) as Weekday);
}

function unknownDay(token: string): Parsed<never> {
  const close = closestMatch(token, [...DAY_NAMES, 'daily']);
  return { ok: false, message: `"${token}" is not a day`, hint: close ? `did you mean "${close}"?` : DAYS_HINT };
}

/** 'daily' | 'mon-fri' | 'sat' | ['sat', 'sun'] → sorted ISO weekdays; ranges may wrap ('fri-mon'). */
export function parseDays(spec: string | readonly string[]): Parsed<Weekday[]> {
  const days = new Set<Weekday>();
  const tokens = typeof spec === 'string' ? [spec] : spec;
  for (const raw of tokens) {
    const token = raw.trim().toLowerCase();
    if (token === 'daily') {
      for (let day = 1; day <= 7; day++) days.add(day as Weekday);
      continue;
    }
    const [startName = '', endName, ...rest] = token.split('-');
    if (rest.length > 0) return { ok: false, message: `"${raw}" is not a day range`, hint: DAYS_HINT };
    const start = dayNumber(startName);
    if (start === undefined) return unknownDay(startName);
    if (endName === undefined) {
      days.add(start);
      continue;
    }
    const end = dayNumber(endName);
    if (end === undefined) return unknownDay(endName);
    for (let day: number = start; ; day = (day % 7) + 1) {
      days.add(day as Weekday);
      if (day === end) break;
    }
  }
  return { ok: true, value: [...days].sort((a, b) => a - b) };
}

/** 'HH:MM' (00:00 … 23:59) → minutes after midnight. */
export function parseClock(text: string): Parsed<number> {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (match && hours === 24 && minutes === 0) {
    return { ok: false, message: '"24:00" is not a time of day', hint: 'use "00:00": a window whose `to` is not after `from` ends the next day' };
  }
  if (!match || hours > 23 || minutes > 59) {
    return { ok: false, message: `"${text}" is not a time of day`, hint: 'write HH:MM on a 24-hour clock, quoted, e.g. "09:00"' };
  }
  return { ok: true, value: hours * 60 + minutes };
}

/** A wall-clock '2026-11-10T00:00' (seconds optional, no offset) that exists in `zone`. */
export function parseLocalDateTime(text: string, zone: string): Parsed<DateTime> {
  const hint = 'write a local date and time without offset, e.g. 2026-11-10T00:00';
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text)) {
    return { ok: false, message: `"${text}" is not a local date-time`, hint };
  }
  const value = DateTime.fromISO(text, { zone: isValidTimezone(zone) ? zone : 'UTC' });
  if (!value.isValid) return { ok: false, message: `"${text}" is not a valid date-time (${value.invalidExplanation ?? 'invalid'})`, hint };
  return { ok: true, value };
}

/** True for an IANA zone name the runtime knows (no network: Intl's tz data). */
export function isValidTimezone(zone: string): boolean {
  return zone.trim() !== '' && IANAZone.isValidZone(zone);
}

/** The policy the window logic consumes; assumes the rules passed. */
export function normalizePeakWindows(raw: NonNullable<ClusterFile['peakWindows']>): PeakWindowsPolicy {
  const validated = <T>(parsed: Parsed<T>): T => {
    if (!parsed.ok) throw new Error(`peak windows were not validated: ${parsed.message}`);
    return parsed.value;
  };
  const windows = (raw.windows ?? []).map(
    (window): WeeklyWindow => ({
      name: window.name,
      days: validated(parseDays(window.days)),
      fromMinute: validated(parseClock(window.from)),
      toMinute: validated(parseClock(window.to)),
      ...(window.triggers ? { triggers: [...new Set(window.triggers)] } : {}),
    }),
  );
  const freezes = (raw.freezes ?? []).map(
    (freeze): Freeze => ({
      from: freeze.from,
      to: freeze.to,
      reason: freeze.reason,
      ...(freeze.triggers ? { triggers: [...new Set(freeze.triggers)] } : {}),
    }),
  );
  return { timezone: raw.timezone, windows, freezes, guardMs: raw.guard ?? CLUSTER_DEFAULTS.peakWindows.guardMs };
}
