import { describe, expect, it } from 'vitest';
import { findPolicyProblems } from '../../src/windows/policy-problems.ts';
import { aFreeze, aPolicy, aWindow } from './builders.ts';

describe('findPolicyProblems', () => {
  it('a sound policy has none', () => {
    expect(findPolicyProblems(aPolicy({ freezes: [aFreeze()] }))).toEqual([]);
  });

  it('reports every problem at once, with paths', () => {
    const problems = findPolicyProblems(
      aPolicy({
        guardMs: -1,
        windows: [{ ...aWindow(), name: ' ', days: [], fromMinute: 1440, toMinute: 1441 }],
        freezes: [aFreeze({ from: '2026-11-12T00:00', to: '2026-11-10T00:00' }), aFreeze({ from: 'soon', to: '2026-11-10T00:00+08:00' })],
      }),
    );
    expect(problems.map((p) => p.path)).toEqual([
      'guard',
      'windows[0].name',
      'windows[0].days',
      'windows[0].from',
      'windows[0].to',
      'freezes[0].to',
      'freezes[1].to',
      'freezes[1].from',
    ]);
  });

  it('an unknown zone is reported once, without cascading into freezes', () => {
    expect(findPolicyProblems(aPolicy({ timezone: 'Nowhere/City', freezes: [aFreeze()] }))).toEqual([
      { path: 'timezone', message: 'unknown time zone "Nowhere/City"' },
    ]);
  });
});
