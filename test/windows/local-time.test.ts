import { describe, expect, it } from 'vitest';
import { formatLocal, formatUtc, formatUtcShort, isValidZone, localInstant, parseLocalIso } from '../../src/windows/local-time.ts';

const utc = (d: { toUTC(): { toISO(): string | null } }) => d.toUTC().toISO();

describe('localInstant and parseLocalIso (the DST rule)', () => {
  it('a nonexistent local time maps forward by the gap', () => {
    expect(utc(localInstant('Europe/Berlin', { year: 2026, month: 3, day: 29 }, 150))).toBe('2026-03-29T01:30:00.000Z');
    expect(utc(localInstant('America/New_York', { year: 2026, month: 3, day: 8 }, 150))).toBe('2026-03-08T07:30:00.000Z');
  });

  it('an ambiguous local time takes its first occurrence', () => {
    expect(utc(localInstant('Europe/Berlin', { year: 2026, month: 10, day: 25 }, 150))).toBe('2026-10-25T00:30:00.000Z');
    expect(parseLocalIso('America/New_York', '2026-11-01T01:30')?.toUTC().toISO()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('minutes past a day roll into the next date', () => {
    expect(utc(localInstant('Asia/Shanghai', { year: 2026, month: 12, day: 31 }, 24 * 60 + 120))).toBe('2026-12-31T18:00:00.000Z');
  });

  it('an unparsable ISO is undefined; zones are checked', () => {
    expect(parseLocalIso('Asia/Shanghai', 'next tuesday')).toBeUndefined();
    expect(isValidZone('Asia/Shanghai')).toBe(true);
    expect(isValidZone('UTC')).toBe(true);
    expect(isValidZone('Mars/Olympus')).toBe(false);
  });
});

describe('formatting', () => {
  const at = new Date('2026-11-24T20:00:00Z');

  it('local and UTC strings', () => {
    expect(formatLocal('Asia/Shanghai', at)).toBe('2026-11-25 04:00');
    expect(formatLocal('Asia/Shanghai', new Date('2026-11-24T20:00:05Z'))).toBe('2026-11-25 04:00:05');
    expect(formatUtc(at)).toBe('2026-11-24T20:00:00Z');
  });

  it('short UTC adds the date only when it differs from the local date', () => {
    expect(formatUtcShort('Asia/Shanghai', at)).toBe('2026-11-24T20:00Z');
    expect(formatUtcShort('Asia/Shanghai', new Date('2026-11-25T04:00:00Z'))).toBe('04:00Z');
  });
});
