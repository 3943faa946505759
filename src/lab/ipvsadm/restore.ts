// `-R` (`restore_table` + config_stream.c): stdin is cut into lines of words, each line run
// like a command line. A failing line prints its error and the next one runs; a usage error
// ends everything (exit 2); the status is the last line's.
// NOTE: config_stream drops every word "ipvsadm" and, through a bug, never honours '#'
// comments: a comment line is parsed as options and ends the restore with the -h hint.
import { tryHelp } from './io.ts';
import type { Halt } from './io.ts';
import { processOptions } from './process.ts';
import type { ProgramContext } from './process.ts';

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * The word lists `config_stream_read` returns, one per call, until it returns NULL. A line
 * ends at "\n"; trailing blanks at the very end of the input lose that last line (as in C).
 */
export function configStreamLines(text: string): string[][] {
  const lines: string[][] = [];
  let pos = 0;
  let words: string[] = [];
  let added = 0;
  for (;;) {
    if (pos >= text.length) {
      if (added > 0) lines.push(words);
      return lines;
    }
    if (isSpace(text[pos] ?? '')) {
      // fscanf matched nothing: skip blanks up to the end of the line (EOF here drops the line)
      for (;;) {
        const c = text[pos++];
        if (c === undefined) return lines;
        if (c === '\n') {
          lines.push(words);
          words = [];
          added = 0;
          break;
        }
        if (!isSpace(c)) {
          pos--;
          break;
        }
      }
      continue;
    }
    let end = pos;
    while (end < text.length && !isSpace(text[end] ?? '')) end++;
    const word = text.slice(pos, end);
    const tail = text[end];
    pos = tail === undefined ? end : end + 1;
    if (word !== 'ipvsadm') {
      words.push(word);
      added++;
    }
    if (tail === '\n') {
      lines.push(words);
      words = [];
      added = 0;
    }
  }
}

/** `-R`: run every non-empty line of stdin as an ipvsadm command. */
export function runRestore(ctx: ProgramContext): Halt | number {
  if (ctx.readingStdin) return tryHelp(ctx.io);
  let result = 0;
  const inner: ProgramContext = { ...ctx, readingStdin: true };
  for (const words of configStreamLines(ctx.stdin)) {
    if (words.length === 0) continue;
    const status = processOptions(words, inner, runRestore);
    if (typeof status !== 'number') return status;
    result = status;
  }
  return result;
}
