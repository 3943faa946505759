// The script builder: fixed text plus values that each arrive as one word, checked by a real /bin/sh.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { joinCommands, sh } from '../../src/shell/script.ts';
import { thrown } from './errors.ts';

/** Runs a script and returns each argument its `printf '<%s>'` lines received. */
function run(script: string): string {
  return execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
}

const args = (...values: string[]) => values.map((v) => `<${v}>`).join('');

describe('sh', () => {
  it('quotes every interpolated string as one word and leaves the fixed text as written', () => {
    const value = `it's "x" $(echo no) \`echo no\` ; echo no && echo no *`;
    const script = sh`printf '<%s>' ${value} ${'b c'}`;
    expect(run(script.text)).toBe(args(value, 'b c'));
    expect(sh`mkdir -p -- ${'/srv/app'}`.text).toBe('mkdir -p -- /srv/app');
  });

  it('keeps a line break inside the value (one word), and numbers as digits', () => {
    expect(run(sh`printf '<%s>' ${'a\nb'} ${42}`.text)).toBe(args('a\nb', '42'));
  });

  it('an array is an argv: each element one word', () => {
    expect(run(sh`${['printf', '<%s>', 'a b', "c'd"]}`.text)).toBe(args('a b', "c'd"));
  });

  it('a script built by sh nests as it is', () => {
    const inner = sh`printf '<%s>' ${'x y'}`;
    expect(run(sh`if true; then ${inner}; fi`.text)).toBe(args('x y'));
  });

  it('a value inside a word is quoted in place', () => {
    expect(run(sh`printf '<%s>' ${'a b'}/owner.json`.text)).toBe(args('a b/owner.json'));
  });

  it('refuses NUL and a value starting with "-" where a word starts (TEMPLATE_UNSAFE)', () => {
    expect(thrown(() => sh`cat -- ${'a\0b'}`).code).toBe('TEMPLATE_UNSAFE');
    const dash = thrown(() => sh`rm -rf ${'-x'}`);
    expect(dash.code).toBe('TEMPLATE_UNSAFE');
    expect(dash.message).toContain('starts with "-"');
    expect(dash.hint).toContain('./-file');
    // Inside a word a leading "-" is only text.
    expect(sh`printf %s x${'-y'}`.text).toBe('printf %s x-y');
  });

  it('a value written inside quotes or after a backslash in the fixed text is a bug (TypeError)', () => {
    expect(() => sh`echo "${'x'}"`).toThrow(/double-quoted/);
    expect(() => sh`echo '${'x'}'`).toThrow(/single-quoted/);
    expect(() => sh`echo \\${'x'}`).toThrow(/escaped/);
    expect(() => sh`echo ${[]}`).toThrow(/empty argv/);
    expect(() => sh`sleep ${Number.NaN}`).toThrow(/finite/);
  });
});

describe('joinCommands', () => {
  it('joins argvs with && (stopping at the first failure) or ;', () => {
    expect(
      joinCommands(
        [
          ['mkdir', '-p', '--', 'a b'],
          ['touch', '--', 'a b/c'],
        ],
        '&&',
      ).text,
    ).toBe("mkdir -p -- 'a b' && touch -- 'a b/c'");
    expect(run(`${joinCommands([['printf', '<%s>', '1'], ['false'], ['printf', '<%s>', 'never']], '&&').text} || true`)).toBe(args('1'));
    expect(
      run(
        joinCommands(
          [
            ['printf', '<%s>', '1'],
            ['printf', '<%s>', '$(x)'],
          ],
          ';',
        ).text,
      ),
    ).toBe(args('1', '$(x)'));
  });
});
