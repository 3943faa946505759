import { describe, expect, it } from 'vitest';
import { normalizePeakWindows, parseClock, parseDays, parseLocalDateTime, isValidTimezone } from '../../src/config/peak-windows.ts';
import { formatPath } from '../../src/config/problems.ts';
import { freezesAreValid, timezoneIsValid, windowDaysAndTimesAreValid, windowNamesAreUnique } from '../../src/config/rules-windows.ts';

describe('parseDays', () => {
  it.each([
    ['daily', [1, 2, 3, 4, 5, 6, 7]],
    ['mon-fri', [1, 2, 3, 4, 5]],
    ['sat', [6]],
    [
      ['sat', 'sun'],
      [6, 7],
    ],
    ['fri-mon', [1, 5, 6, 7]],
    ['sun-sun', [7]],
    [
      ['Mon-Wed', 'fri'],
      [1, 2, 3, 5],
    ],
  ] as const)('%j → %j', (spec, days) => {
    expect(parseDays(spec)).toEqual({ ok: true, value: days });
  });

  it('suggests the day meant', () => {
    expect(parseDays('mon-fir')).toMatchObject({ ok: false, message: '"fir" is not a day', hint: 'did you mean "fri"?' });
    expect(parseDays('weekdays')).toMatchObject({ ok: false });
    expect(parseDays('mon-tue-wed')).toMatchObject({ ok: false, message: '"mon-tue-wed" is not a day range' });
  });
});

describe('parseClock', () => {
  it('reads HH:MM to minutes', () => {
    expect(parseClock('00:00')).toEqual({ ok: true, value: 0 });
    expect(parseClock('9:05')).toEqual({ ok: true, value: 545 });
    expect(parseClock('23:59')).toEqual({ ok: true, value: 1439 });
  });

  it('refuses 24:00 with the next-day advice, and nonsense', () => {
    expect(parseClock('24:00')).toMatchObject({ ok: false, hint: expect.stringContaining('00:00') });
    for (const bad of ['25:00', '12:60', '1200', '12:5', 'noon']) expect(parseClock(bad).ok).toBe(false);
  });
});

describe('parseLocalDateTime', () => {
  it('accepts wall-clock ISO without offset, with optional seconds', () => {
    expect(parseLocalDateTime('2026-11-10T00:00', 'Asia/Shanghai').ok).toBe(true);
    expect(parseLocalDateTime('2026-11-10T00:00:30', 'Asia/Shanghai').ok).toBe(true);
  });

  it('refuses offsets, dates alone and impossible dates', () => {
    for (const bad of ['2026-11-10T00:00+08:00', '2026-11-10', '2026-02-30T00:00', '2026-11-10 00:00']) {
      expect(parseLocalDateTime(bad, 'UTC').ok).toBe(false);
    }
  });
});

describe('isValidTimezone', () => {
  it('knows IANA zones and refuses others', () => {
    expect(['Asia/Shanghai', 'Europe/Berlin', 'UTC', 'America/Argentina/Buenos_Aires'].every(isValidTimezone)).toBe(true);
    expect(['Asia/Shangai', 'CEST', '', 'Mars/Olympus'].some(isValidTimezone)).toBe(false);
  });
});

describe('window rules', () => {
  it('timezoneIsValid suggests the closest zone', () => {
    const [finding] = timezoneIsValid({ peakWindows: { timezone: 'Europe/Berln' } });
    expect(finding).toMatchObject({ path: ['peakWindows', 'timezone'], hint: 'did you mean "Europe/Berlin"?' });
    expect(timezoneIsValid({ peakWindows: { timezone: 'Asia/Shanghai' } })).toEqual([]);
  });

  it('windowDaysAndTimesAreValid points at the bad field', () => {
    const windows = [
      { name: 'a', days: 'mon-fri', from: '09:00', to: '12:00' },
      { name: 'b', days: ['sat', 'sundy'], from: '24:00', to: '01:00' },
    ];
    expect(windowDaysAndTimesAreValid({ peakWindows: { windows } }).map((f) => formatPath(f.path))).toEqual([
      'peakWindows.windows[1].days',
      'peakWindows.windows[1].from',
    ]);
  });

  it('windowNamesAreUnique names the first definition', () => {
    const [finding, ...rest] = windowNamesAreUnique({ peakWindows: { windows: [{ name: 'x' }, { name: 'y' }, { name: 'x' }] } });
    expect(rest).toEqual([]);
    expect(formatPath(finding!.path)).toBe('peakWindows.windows[2].name');
    expect(finding!.message).toContain('windows[0]');
  });

  it('freezesAreValid checks both ends and their order', () => {
    const freezes = [
      { from: '2026-11-10T00:00', to: '2026-11-12T02:00', reason: 'ok' },
      { from: '2026-11-12T00:00', to: '2026-11-10T00:00', reason: 'backwards' },
      { from: '2026-11-12T00:00', to: '2026-11-12T00:00', reason: 'empty' },
      { from: 'soon', to: '2026-11-10T00:00', reason: 'bad' },
    ];
    expect(freezesAreValid({ peakWindows: { timezone: 'Asia/Shanghai', freezes } }).map((f) => formatPath(f.path))).toEqual([
      'peakWindows.freezes[1].to',
      'peakWindows.freezes[2].to',
      'peakWindows.freezes[3].from',
    ]);
  });
});

describe('normalizePeakWindows', () => {
  it('builds the policy the window logic consumes', () => {
    const policy = normalizePeakWindows({
      timezone: 'Asia/Shanghai',
      windows: [
        { name: 'evening', days: 'daily', from: '19:00', to: '01:30' },
        { name: 'batch', days: ['sat', 'sun'], from: '01:00', to: '03:00', triggers: ['schedule', 'schedule'] },
      ],
      freezes: [{ from: '2026-11-10T00:00', to: '2026-11-12T02:00', reason: 'Double 11' }],
      guard: 1_800_000,
    });
    expect(policy).toEqual({
      timezone: 'Asia/Shanghai',
      windows: [
        { name: 'evening', days: [1, 2, 3, 4, 5, 6, 7], fromMinute: 1140, toMinute: 90 },
        { name: 'batch', days: [6, 7], fromMinute: 60, toMinute: 180, triggers: ['schedule'] },
      ],
      freezes: [{ from: '2026-11-10T00:00', to: '2026-11-12T02:00', reason: 'Double 11' }],
      guardMs: 1_800_000,
    });
  });

  it('defaults the guard to 0 and the lists to empty', () => {
    expect(normalizePeakWindows({ timezone: 'UTC' })).toEqual({ timezone: 'UTC', windows: [], freezes: [], guardMs: 0 });
  });
});
