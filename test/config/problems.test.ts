import { describe, expect, it } from 'vitest';
import { configError, formatPath, formatProblem, formatProblems } from '../../src/config/problems.ts';
import type { ConfigProblem } from '../../src/config/problems.ts';

const problem: ConfigProblem = {
  file: 'release.yaml',
  line: 14,
  column: 5,
  path: 'realServers[2].address',
  message: '"10.0.1.x" is not an IP address',
  hint: 'use the address exactly as ipvsadm -L -n lists it',
};

describe('formatPath', () => {
  it('writes keys with dots and indexes in brackets', () => {
    expect(formatPath(['realServers', 2, 'address'])).toBe('realServers[2].address');
    expect(formatPath([0, 'a'])).toBe('[0].a');
    expect(formatPath([])).toBe('');
  });
});

describe('formatProblem', () => {
  it('prints what release validate prints', () => {
    expect(formatProblem(problem)).toBe(
      'release.yaml:14:5 realServers[2].address: "10.0.1.x" is not an IP address. Fix: use the address exactly as ipvsadm -L -n lists it.',
    );
  });

  it('leaves out what is unknown', () => {
    expect(formatProblem({ file: 'release.yaml', path: '', message: 'cannot read the cluster file: no such file' })).toBe(
      'release.yaml cannot read the cluster file: no such file.',
    );
    expect(formatProblem({ ...problem, hint: 'did you mean "ssh"?' })).toMatch(/Fix: did you mean "ssh"\?$/);
  });
});

describe('formatProblems', () => {
  it('orders by file of first appearance, then line and column', () => {
    const problems = [
      { ...problem, line: 20 },
      { ...problem, file: 'pipeline.yaml', line: 1 },
      { ...problem, line: 3, column: 9 },
      { ...problem, line: 3, column: 2 },
    ];
    expect(
      formatProblems(problems)
        .split('\n')
        .map((line) => line.split(' ')[0]),
    ).toEqual(['release.yaml:3:2', 'release.yaml:3:9', 'release.yaml:20:5', 'pipeline.yaml:1:5']);
  });
});

describe('configError', () => {
  it('is CONFIG_INVALID (exit 2) with every problem in the message', () => {
    const error = configError([problem, { ...problem, line: 15 }]);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.exitStatus).toBe(2);
    expect(error.message).toBe(`2 problems in the configuration:\n${formatProblem(problem)}\n${formatProblem({ ...problem, line: 15 })}`);
    expect(error.details['problems']).toHaveLength(2);
  });
});
