// Weekly windows and freezes unrolled into concrete occurrences (real instants) over a range.

import { ReleaseError } from '../core/errors.ts';
import type { Occurrence } from './decision.ts';
import { describeFreeze, describeWindow } from './describe.ts';
import { addDays, daysBetween, localDateOf, localInstant, parseLocalIso } from './local-time.ts';
import type { Freeze, PeakWindowsPolicy, Trigger, WeeklyWindow } from './types.ts';

const MINUTES_PER_DAY = 24 * 60;
/** A window lasts at most a day (25 h across fall back): start looking this many days early. */
const LOOKBACK_DAYS = 2;

export interface OccurrenceRange {
  from: Date;
  to: Date;
  trigger: Trigger;
}

/** A window or freeze without `triggers` applies to every trigger. */
export function appliesTo(triggers: readonly Trigger[] | undefined, trigger: Trigger): boolean {
  return triggers === undefined || triggers.includes(trigger);
}

// `to` not after `from` ends the next day, so a `from == to` window lasts a whole day.
function endMinuteOf(window: WeeklyWindow): number {
  return window.toMinute <= window.fromMinute ? window.toMinute + MINUTES_PER_DAY : window.toMinute;
}

function weeklyOccurrences(zone: string, window: WeeklyWindow, range: OccurrenceRange): Occurrence[] {
  const out: Occurrence[] = [];
  const first = addDays(localDateOf(zone, range.from), -LOOKBACK_DAYS);
  const last = localDateOf(zone, range.to);
  const rule = describeWindow(window);
  const days = daysBetween(first, last);
  for (let offset = 0; offset <= days; offset++) {
    const date = addDays(first, offset);
    if (!window.days.includes(date.weekday as WeeklyWindow['days'][number])) continue;
    const start = localInstant(zone, date, window.fromMinute).toJSDate();
    const end = localInstant(zone, date, endMinuteOf(window)).toJSDate();
    // NOTE: a start in a spring-forward gap shifts forward by the gap; if that puts it at or past the
    // end (02:30-03:00 in Berlin on 2026-03-29), the window does not occur that day.
    if (end.getTime() <= start.getTime()) continue;
    out.push({ source: 'window', name: window.name, rule, start, end });
  }
  return out;
}

/** A freeze as real instants; a freeze the policy check should have rejected is a config error. */
export function freezeOccurrence(zone: string, freeze: Freeze): Occurrence {
  const start = parseLocalIso(zone, freeze.from);
  const end = parseLocalIso(zone, freeze.to);
  if (start === undefined || end === undefined) {
    throw new ReleaseError('CONFIG_INVALID', `Freeze "${freeze.reason}" has an invalid time (${freeze.from} to ${freeze.to}).`, {
      hint: 'Write freeze times as local ISO date-times without offset, e.g. 2026-11-10T00:00.',
      details: { freeze },
    });
  }
  return { source: 'freeze', name: freeze.reason, rule: describeFreeze(freeze), start: start.toJSDate(), end: end.toJSDate() };
}

/** Every applicable occurrence overlapping [from, to), sorted by start. */
export function listOccurrences(policy: PeakWindowsPolicy, range: OccurrenceRange): Occurrence[] {
  const all: Occurrence[] = [];
  for (const window of policy.windows) {
    if (appliesTo(window.triggers, range.trigger)) all.push(...weeklyOccurrences(policy.timezone, window, range));
  }
  for (const freeze of policy.freezes) {
    if (appliesTo(freeze.triggers, range.trigger)) all.push(freezeOccurrence(policy.timezone, freeze));
  }
  return all
    .filter((o) => o.end.getTime() > range.from.getTime() && o.start.getTime() < range.to.getTime())
    .sort((a, b) => a.start.getTime() - b.start.getTime() || a.name.localeCompare(b.name));
}
