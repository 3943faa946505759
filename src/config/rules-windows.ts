// Rules for `peakWindows`: the zone exists, days and times read, names are unique, freezes end after they start.

import { parseClock, parseDays, parseLocalDateTime, isValidTimezone } from './peak-windows.ts';
import { closestMatch } from './did-you-mean.ts';
import type { Finding, Rule } from './problems.ts';
import { recordAt, recordsAt, stringAt } from './raw.ts';

function timezoneHint(zone: string): string {
  const close = closestMatch(zone, Intl.supportedValuesOf('timeZone'));
  return close ? `did you mean "${close}"?` : 'use a name from the tz database, e.g. Asia/Shanghai, Europe/Berlin or UTC';
}

export const timezoneIsValid: Rule = (raw) => {
  const zone = stringAt(recordAt(raw, 'peakWindows'), 'timezone');
  if (zone === undefined || isValidTimezone(zone)) return [];
  return [
    {
      path: ['peakWindows', 'timezone'],
      message: `"${zone}" is not an IANA time zone`,
      hint: timezoneHint(zone),
    },
  ];
};

export const windowDaysAndTimesAreValid: Rule = (raw) =>
  recordsAt(recordAt(raw, 'peakWindows'), 'windows').flatMap(({ index, item }) => {
    const findings: Finding[] = [];
    const base = ['peakWindows', 'windows', index];
    const days = item['days'];
    const daySpec = typeof days === 'string' ? days : Array.isArray(days) && days.every((d) => typeof d === 'string') ? (days as string[]) : undefined;
    if (daySpec !== undefined) {
      const parsed = parseDays(daySpec);
      if (!parsed.ok) findings.push({ path: [...base, 'days'], message: parsed.message, hint: parsed.hint });
    }
    for (const key of ['from', 'to'] as const) {
      const text = stringAt(item, key);
      if (text === undefined) continue;
      const parsed = parseClock(text);
      if (!parsed.ok) findings.push({ path: [...base, key], message: parsed.message, hint: parsed.hint });
    }
    return findings;
  });

export const windowNamesAreUnique: Rule = (raw) => {
  const seen = new Map<string, number>();
  const findings: Finding[] = [];
  for (const { index, item } of recordsAt(recordAt(raw, 'peakWindows'), 'windows')) {
    const name = stringAt(item, 'name');
    if (name === undefined) continue;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, index);
    else
      findings.push({
        path: ['peakWindows', 'windows', index, 'name'],
        message: `window "${name}" is already defined at windows[${first}]`,
        hint: 'give every window its own name',
      });
  }
  return findings;
};

export const freezesAreValid: Rule = (raw) => {
  const peak = recordAt(raw, 'peakWindows');
  const zone = stringAt(peak, 'timezone') ?? 'UTC';
  return recordsAt(peak, 'freezes').flatMap(({ index, item }) => {
    const base = ['peakWindows', 'freezes', index];
    const findings: Finding[] = [];
    const ends = (['from', 'to'] as const).map((key) => {
      const text = stringAt(item, key);
      if (text === undefined) return undefined;
      const parsed = parseLocalDateTime(text, zone);
      if (parsed.ok) return parsed.value;
      findings.push({ path: [...base, key], message: parsed.message, hint: parsed.hint });
      return undefined;
    });
    const [from, to] = ends;
    if (from && to && to <= from) {
      findings.push({
        path: [...base, 'to'],
        message: `the freeze ends (${stringAt(item, 'to')}) before it starts (${stringAt(item, 'from')})`,
        hint: 'make `to` later than `from`',
      });
    }
    return findings;
  });
};

export const windowRules: readonly Rule[] = [timezoneIsValid, windowDaysAndTimesAreValid, windowNamesAreUnique, freezesAreValid];
