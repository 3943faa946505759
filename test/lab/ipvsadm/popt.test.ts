// The popt subset: clusters, attached/separate/optional arguments, leftovers, `--`, errors.
import { describe, expect, it } from 'vitest';
import { createPopt } from '../../../src/lab/ipvsadm/popt.ts';
import type { PoptNext, PoptOption } from '../../../src/lab/ipvsadm/popt.ts';

type T = 'L' | 'n' | 't' | 'p' | 'w';
const TABLE: PoptOption<T>[] = [
  { long: 'list', short: 'L', arg: 'none', tag: 'L' },
  { long: 'numeric', short: 'n', arg: 'none', tag: 'n' },
  { long: 'tcp-service', short: 't', arg: 'required', tag: 't' },
  { long: 'persistent', short: 'p', arg: 'optional', tag: 'p' },
  { long: 'weight', short: 'w', arg: 'required', tag: 'w' },
];

function all(argv: string[]): { events: PoptNext<T>[]; leftovers: string[] } {
  const popt = createPopt(argv, TABLE);
  const events: PoptNext<T>[] = [];
  for (let i = 0; i < 20; i++) {
    const next = popt.next();
    events.push(next);
    if (next.kind !== 'option') break;
  }
  return { events, leftovers: popt.leftovers() };
}

const opt = (tag: T, arg?: string) => ({ kind: 'option', tag, arg });

describe('createPopt', () => {
  it('splits clusters and takes the rest of a cluster or the next word as argument', () => {
    expect(all(['-Lnt10.0.0.1:80', '-w', '-5']).events).toEqual([opt('L'), opt('n'), opt('t', '10.0.0.1:80'), opt('w', '-5'), { kind: 'end' }]);
    expect(all(['--tcp-service=1.2.3.4:80', '--weight', '3']).events).toEqual([opt('t', '1.2.3.4:80'), opt('w', '3'), { kind: 'end' }]);
  });

  it('gives an optional argument only when the next word does not start with -', () => {
    expect(all(['-p', '-n']).events).toEqual([opt('p'), opt('n'), { kind: 'end' }]);
    expect(all(['-p', '300']).events).toEqual([opt('p', '300'), { kind: 'end' }]);
    expect(all(['-p']).events).toEqual([opt('p'), { kind: 'end' }]);
  });

  it('collects leftovers anywhere, everything after --, and a lone -', () => {
    expect(all(['a', '-L', '-', 'b', '--', '-n'])).toEqual({ events: [opt('L'), { kind: 'end' }], leftovers: ['a', '-', 'b', '-n'] });
  });

  it('names the argv word in errors', () => {
    expect(all(['-Lx']).events.at(-1)).toEqual({ kind: 'error', error: 'BADOPT', badOption: '-Lx' });
    expect(all(['--lis']).events.at(-1)).toEqual({ kind: 'error', error: 'BADOPT', badOption: '--lis' });
    expect(all(['-t']).events.at(-1)).toEqual({ kind: 'error', error: 'NOARG', badOption: '-t' });
    expect(all(['--list=1']).events.at(-1)).toEqual({ kind: 'error', error: 'UNWANTEDARG', badOption: '--list=1' });
  });
});
