// Local wall-clock times in an IANA zone ↔ real instants, with one documented DST rule.
//
// DST rule (used for window boundaries and freezes alike):
// - a local time that does not exist (the spring-forward gap, e.g. 02:30 Europe/Berlin on
//   2026-03-29) maps forward by the size of the gap (02:30 → 03:30 CEST), Luxon's default, so a
//   window 02:15-02:45 that day runs 03:15-03:45 CEST (see occurrences.ts for 02:30-03:00);
// - a local time that happens twice (the fall-back hour, e.g. 02:30 Europe/Berlin on
//   2026-10-25) takes its first occurrence (02:30 CEST = 00:30Z), not Luxon's default (the later).

import { DateTime } from 'luxon';

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const MINUTES_PER_DAY = 24 * 60;

/** True when Luxon can place instants in `zone` (an IANA name, `UTC`, or a fixed `UTC+8`). */
export function isValidZone(zone: string): boolean {
  return DateTime.fromMillis(0, { zone }).isValid;
}

// Picks the first of the instants an ambiguous local time names (fall back); others pass through.
function firstOccurrence(local: DateTime): DateTime {
  const candidates = local.getPossibleOffsets();
  let first = local;
  for (const candidate of candidates) if (candidate.toMillis() < first.toMillis()) first = candidate;
  return first;
}

/** The instant of `minute` minutes after midnight of a local date (≥ 1440 rolls into later days). */
export function localInstant(zone: string, date: LocalDate, minute: number): DateTime {
  const extraDays = Math.floor(minute / MINUTES_PER_DAY);
  const rest = minute - extraDays * MINUTES_PER_DAY;
  const day = DateTime.fromObject(date, { zone: 'UTC' }).plus({ days: extraDays });
  const local = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour: Math.floor(rest / 60), minute: rest % 60 }, { zone });
  return firstOccurrence(local);
}

/** An ISO local date-time without offset (`2026-11-10T00:00`) in `zone`; undefined when invalid. */
export function parseLocalIso(zone: string, text: string): DateTime | undefined {
  const local = DateTime.fromISO(text, { zone, setZone: false });
  return local.isValid ? firstOccurrence(local) : undefined;
}

/** The local calendar date of an instant in `zone`. */
export function localDateOf(zone: string, at: Date): LocalDate & { weekday: number } {
  const local = DateTime.fromJSDate(at, { zone });
  return { year: local.year, month: local.month, day: local.day, weekday: local.weekday };
}

/** Adds whole days to a calendar date (zone-free arithmetic). */
export function addDays(date: LocalDate, days: number): LocalDate & { weekday: number } {
  const day = DateTime.fromObject(date, { zone: 'UTC' }).plus({ days });
  return { year: day.year, month: day.month, day: day.day, weekday: day.weekday };
}

/** Whole calendar days from `a` to `b` (negative when `b` is earlier). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  const from = DateTime.fromObject(a, { zone: 'UTC' });
  const to = DateTime.fromObject(b, { zone: 'UTC' });
  return Math.round(to.diff(from, 'days').days);
}

/** `2026-11-25 12:00` (seconds only when not zero), local to `zone`. */
export function formatLocal(zone: string, at: Date): string {
  const local = DateTime.fromJSDate(at, { zone });
  return local.toFormat(local.second === 0 && local.millisecond === 0 ? 'yyyy-MM-dd HH:mm' : 'yyyy-MM-dd HH:mm:ss');
}

/** `2026-11-25T04:00:00Z`: ISO in UTC without milliseconds unless they matter. */
export function formatUtc(at: Date): string {
  return DateTime.fromJSDate(at, { zone: 'UTC' }).toISO({ suppressMilliseconds: true }) ?? at.toISOString();
}

/** `04:00Z` when the UTC date equals the local date in `zone`, else `2026-11-24T20:00Z`. */
export function formatUtcShort(zone: string, at: Date): string {
  const utc = DateTime.fromJSDate(at, { zone: 'UTC' });
  const local = DateTime.fromJSDate(at, { zone });
  const time = utc.toFormat(utc.second === 0 && utc.millisecond === 0 ? 'HH:mm' : 'HH:mm:ss');
  return utc.toISODate() === local.toISODate() ? `${time}Z` : `${utc.toISODate()}T${time}Z`;
}
