import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellJoin, shellQuote } from '../../src/shell/quote.ts';
import { thrown } from './errors.ts';

/** What /bin/sh makes of a command line: each argument printed between < and >. */
function shellArgs(commandLine: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `for a in ${commandLine}; do printf '<%s>' "$a"; done`], { encoding: 'utf8' });
  return [...out.matchAll(/<([^>]*)>/gs)].map((m) => m[1]!);
}

const NASTY = [
  'plain',
  'with space',
  "it's",
  "''",
  '"double"',
  '$(touch /tmp/pwned)',
  '`id`',
  '$HOME',
  '*',
  '?',
  '~',
  'a;b|c&d',
  'back\\slash',
  'tab\there',
  'line\nbreak',
  '日本語 ünïcödé 🚀',
  '-rf',
  '!',
  '#comment',
  '{a,b}',
];

describe('shellQuote', () => {
  it('leaves safe words bare', () => {
    expect(shellQuote('releases/20260101T000000Z')).toBe('releases/20260101T000000Z');
    expect(shellQuote('a-b_c@d%e+f=g:h,i.j/k')).toBe('a-b_c@d%e+f=g:h,i.j/k');
  });

  it("quotes the empty string as ''", () => {
    expect(shellQuote('')).toBe("''");
  });

  it("writes ' as '\\''", () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });

  it.each(NASTY)('round-trips %j through a real /bin/sh', (value) => {
    const out = execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' });
    expect(out).toBe(value);
  });

  it('refuses NUL with TEMPLATE_UNSAFE', () => {
    expect(thrown(() => shellQuote('a\0b')).code).toBe('TEMPLATE_UNSAFE');
  });
});

describe('shellJoin', () => {
  it('keeps every element one argument', () => {
    expect(shellArgs(shellJoin(NASTY.filter((v) => !v.includes('\n'))))).toEqual(NASTY.filter((v) => !v.includes('\n')));
  });

  it('keeps empty elements', () => {
    expect(shellArgs(shellJoin(['a', '', 'b']))).toEqual(['a', '', 'b']);
  });
});
