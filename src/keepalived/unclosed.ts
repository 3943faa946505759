// keepalived only counts braces ("There are 1 missing '}'s"), which points at the end of the
// file. Indentation usually tells which block lost its `}`: the first `}` that lines up with an
// outer block rather than the innermost open one.
import type { LogicalLine } from './lexer.ts';
import type { KeepalivedDiagnostic } from './types.ts';

interface Open {
  keyword: string;
  line: number;
  indent: number;
}

interface Suspect {
  open: Open;
  /** The `}` that lined up with an outer block instead. */
  closer?: { line: number; outer: Open };
}

const aloneOnItsLine = (lines: readonly LogicalLine[], k: number): boolean => lines[k - 1]?.line !== lines[k]?.line && lines[k + 1]?.line !== lines[k]?.line;

/** Hints naming the blocks that are probably unclosed, at most `missing` of them. */
export function findUnclosedBlocks(lines: readonly LogicalLine[], missing: number): KeepalivedDiagnostic[] {
  if (missing <= 0) return [];
  const stack: Open[] = [];
  const suspects: Suspect[] = [];
  lines.forEach((current, k) => {
    const word = current.words.length === 1 ? current.words[0] : undefined;
    if (word === '{') {
      const head = lines[k - 1];
      stack.push({ keyword: head?.words[0] ?? '{', line: head?.line ?? current.line, indent: head?.indent ?? current.indent });
      return;
    }
    if (word !== '}') return;
    const top = stack[stack.length - 1];
    if (!top) return;
    if (aloneOnItsLine(lines, k) && current.indent < top.indent) {
      const outer = stack.findLastIndex((o) => o.indent === current.indent);
      if (outer >= 0) {
        const outerOpen = stack[outer] as Open;
        for (const open of stack.splice(outer + 1).reverse()) suspects.push({ open, closer: { line: current.line, outer: outerOpen } });
        stack.pop();
        return;
      }
    }
    stack.pop();
  });
  const found: Suspect[] =
    suspects.length > 0
      ? suspects
      : stack
          .slice()
          .reverse()
          .map((open) => ({ open }));
  return found.slice(0, missing).map(({ open, closer }) => ({
    severity: 'hint' as const,
    line: open.line,
    message: closer
      ? `'${open.keyword}' block opened here is probably never closed: the '}' on line ${closer.line} lines up with '${closer.outer.keyword}' (line ${closer.outer.line})`
      : `'${open.keyword}' block opened here is never closed`,
  }));
}
