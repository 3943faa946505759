import { describe, expect, it } from 'vitest';
import { formatLargeNum, parseLargeNum, splitLargeNums } from '../../src/ipvs/largenum.ts';

describe('print_largenum', () => {
  it.each<[bigint, string]>([
    [0n, '        0'],
    [99_999_999n, ' 99999999'],
    [100_000_000n, '  100000K'],
    [999_999_999n, '  999999K'],
    [1_000_000_000n, '    1000M'],
    [99_999_999_999n, '   99999M'],
    [100_000_000_000n, '     100G'],
    [99_999_999_999_999n, '   99999G'],
    [100_000_000_000_000n, '     100T'],
    [18_446_744_073_709_551_615n, '18446744T'],
  ])('formats %s as %j and reads it back to the printed multiple', (value, text) => {
    expect(formatLargeNum(value)).toBe(text);
    const back = parseLargeNum(text.trim());
    expect(back !== undefined && formatLargeNum(back)).toBe(text);
  });

  it('truncates instead of rounding', () => {
    expect(formatLargeNum(183_274_999n)).toBe('  183274K');
    expect(parseLargeNum('183274K')).toBe(183_274_000n);
  });

  it('--exact: max(9, digits+1) columns', () => {
    expect(formatLargeNum(12_345_678n, true)).toBe(' 12345678');
    expect(formatLargeNum(123_456_789n, true)).toBe(' 123456789');
    expect(formatLargeNum(18_446_744_073_709_551_615n, true)).toBe(' 18446744073709551615');
  });

  it('splits fields, including a 9-character T field glued to its neighbour', () => {
    expect(splitLargeNums('   1999M        018446744T')).toEqual(['1999M', '0', '18446744T']);
    expect(splitLargeNums('1234567818446744T18446744T')).toEqual(['12345678', '18446744T', '18446744T']);
    expect(splitLargeNums('   99999G18446744T')).toEqual(['99999G', '18446744T']);
    expect(splitLargeNums('  12 x3')).toBeUndefined();
    expect(parseLargeNum('12X')).toBeUndefined();
  });
});
