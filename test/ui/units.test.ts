import { describe, expect, it } from 'vitest';
import { formatBytes, formatMs, formatSeconds } from '../../src/ui/units.ts';

describe('units', () => {
  it('formats durations at a useful precision', () => {
    expect(formatMs(12)).toBe('12 ms');
    expect(formatMs(1234)).toBe('1.2s');
    expect(formatMs(41_000)).toBe('41s');
    expect(formatMs(312_000)).toBe('5m12s');
    expect(formatMs(3_720_000)).toBe('1h02m');
    expect(formatMs(-5)).toBe('0 ms');
    expect(formatSeconds(40_600)).toBe('41s');
  });

  it('formats sizes in decimal units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(12_300_000)).toBe('12.3 MB');
  });
});
