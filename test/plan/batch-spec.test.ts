import { describe, expect, it } from 'vitest';
import { isReleaseError } from '../../src/core/errors.ts';
import { batchSizeAt, parseBatchSpec, resolveBatchSize } from '../../src/plan/batch-spec.ts';

function usageError(text: string) {
  try {
    parseBatchSpec(text);
  } catch (error) {
    if (isReleaseError(error)) return error;
    throw error;
  }
  throw new Error(`expected "${text}" to be rejected`);
}

describe('parseBatchSpec', () => {
  it('a count, a percentage, a list', () => {
    expect(parseBatchSpec('2').sizes).toEqual([{ kind: 'count', count: 2 }]);
    expect(parseBatchSpec('25%').sizes).toEqual([{ kind: 'percent', percent: 25 }]);
    expect(parseBatchSpec(' 1, 2 ,25% ')).toEqual({
      text: '1, 2 ,25%',
      sizes: [
        { kind: 'count', count: 1 },
        { kind: 'count', count: 2 },
        { kind: 'percent', percent: 25 },
      ],
    });
    expect(parseBatchSpec('100%').sizes).toEqual([{ kind: 'percent', percent: 100 }]);
    expect(parseBatchSpec('12.5%').sizes).toEqual([{ kind: 'percent', percent: 12.5 }]);
  });

  it.each(['0', '-1', '0%', '101%', '', ' ', '1,,2', '2,', 'two', '2.5', '%', '25%%', '1e3', '0x10', '99999999999999999999'])(
    'rejects %j as a USAGE error with the valid forms',
    (text) => {
      const error = usageError(text);
      expect(error.code).toBe('USAGE');
      expect(error.exitStatus).toBe(2);
      expect(error.message).toContain(`--batch "${text}"`);
      expect(error.hint).toContain('1,2,25%');
    },
  );

  it('names the bad element', () => {
    expect(usageError('1,0,25%').message).toBe('Invalid --batch "1,0,25%": element 2 "0" must be at least 1.');
  });
});

describe('batchSizeAt and resolveBatchSize', () => {
  it('the last element repeats', () => {
    const spec = parseBatchSpec('1,2,25%');
    expect([0, 1, 2, 3, 9].map((i) => batchSizeAt(spec, i))).toEqual([
      { kind: 'count', count: 1 },
      { kind: 'count', count: 2 },
      { kind: 'percent', percent: 25 },
      { kind: 'percent', percent: 25 },
      { kind: 'percent', percent: 25 },
    ]);
  });

  it('percentages round down and never go below 1; counts stay as given', () => {
    expect(resolveBatchSize({ kind: 'percent', percent: 25 }, 10)).toBe(2);
    expect(resolveBatchSize({ kind: 'percent', percent: 25 }, 8)).toBe(2);
    expect(resolveBatchSize({ kind: 'percent', percent: 25 }, 3)).toBe(1);
    expect(resolveBatchSize({ kind: 'percent', percent: 10 }, 2)).toBe(1);
    expect(resolveBatchSize({ kind: 'percent', percent: 33 }, 100)).toBe(33);
    expect(resolveBatchSize({ kind: 'percent', percent: 100 }, 7)).toBe(7);
    expect(resolveBatchSize({ kind: 'percent', percent: 7 }, 100)).toBe(7);
    expect(resolveBatchSize({ kind: 'count', count: 5 }, 3)).toBe(5);
  });
});
