import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, tryParseDuration } from '../../src/config/duration.ts';
import { thrown } from '../shell/errors.ts';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2m30s500ms', 150_500],
    ['1.5s', 1500],
    ['1d', 86_400_000],
    ['0s', 0],
    ['90', 90_000],
    [' 10s ', 10_000],
    [90, 90_000],
    [0.25, 250],
  ] as const)('%j → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', 'soon', '10 minutes', '30m1h', '1s1s', '5x', '-1s', 'ms'])('refuses %j', (input) => {
    expect(tryParseDuration(input)).toBeUndefined();
    const error = thrown(() => parseDuration(input));
    expect(error.code).toBe('USAGE');
    expect(error.hint).toContain('1h30m');
  });

  it('refuses negative and non-finite numbers', () => {
    expect(tryParseDuration(-1)).toBeUndefined();
    expect(tryParseDuration(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [500, '500ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [5_430_250, '1h30m30.25s'],
    [90_000_000, '25h'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('reads back to the same value', () => {
    for (const ms of [0, 1, 999, 1000, 1001, 59_999, 61_000, 3_599_999, 7_261_001]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
