// The one quoting function: turns any value into one POSIX shell word that means exactly that value.

import { ReleaseError } from '../core/errors.ts';

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX single-quote quoting; safe words stay bare, '' for empty, ' as '\''. NUL cannot be passed at all. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) {
    throw new ReleaseError('TEMPLATE_UNSAFE', 'a value holds a NUL character, which no shell word can carry', {
      hint: 'remove the NUL character from the value.',
    });
  }
  if (value === '') return "''";
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** An argv as one command line: every element quoted, joined by spaces. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
