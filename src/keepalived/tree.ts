// keepalived's `process_stream` (lib/parser.c) over the lexer's logical lines: each keyword is
// looked up in its level's table; a keyword with a sub-level reads up to its `}`. The quirks
// are kept on purpose, because they decide what keepalived actually runs: an unknown keyword's
// `{` is "Unexpected" and its contents are read at the *current* level, so one missing `}` can
// move a whole real_server into its neighbour.
import { GENERIC, ROOT, type KeywordTable } from './keywords.ts';
import type { LogicalLine } from './lexer.ts';
import type { ConfNode, KeepalivedDiagnostic } from './types.ts';

interface Reader {
  lines: readonly LogicalLine[];
  at: number;
  diagnostics: KeepalivedDiagnostic[];
}

const isBrace = (line: LogicalLine | undefined, brace: '{' | '}') => line?.words.length === 1 && line.words[0] === brace;

function error(reader: Reader, line: number, message: string): void {
  reader.diagnostics.push({ severity: 'error', line, message });
}

function readLevel(reader: Reader, table: KeywordTable, needBrace: boolean, level: number): ConfNode[] {
  const nodes: ConfNode[] = [];
  let needBob = needBrace;
  while (reader.at < reader.lines.length) {
    const current = reader.lines[reader.at] as LogicalLine;
    reader.at += 1;
    const [keyword = '', ...args] = current.words;
    if (needBob) {
      needBob = false;
      if (keyword === '{' && level > 0) continue;
      error(reader, current.line, "Missing '{' at beginning of configuration block");
    } else if (keyword === '{') {
      error(reader, current.line, "Unexpected '{' - ignoring");
      continue;
    }
    if (keyword === '}' && level > 0) break;
    const node: ConfNode = { keyword, args, line: current.line };
    const known = Object.hasOwn(table.keywords, keyword) ? table.keywords[keyword] : undefined;
    if (known) {
      if (known.kind === 'block') node.children = readLevel(reader, known.table, true, level + 1);
      nodes.push(node);
      continue;
    }
    if (table.mode !== 'lenient' || keyword === '}') error(reader, current.line, `Unknown keyword '${keyword}'`);
    if (table.mode === 'strict' || keyword === '}') continue;
    if (isBrace(reader.lines[reader.at], '{')) {
      reader.at += 1;
      node.children = readLevel(reader, GENERIC, false, level + 1);
    }
    nodes.push(node);
  }
  return nodes;
}

/** The statement tree keepalived would build, and the keyword errors it would report. */
export function buildTree(lines: readonly LogicalLine[]): { nodes: ConfNode[]; diagnostics: KeepalivedDiagnostic[] } {
  const reader: Reader = { lines, at: 0, diagnostics: [] };
  const nodes = readLevel(reader, ROOT, false, 0);
  return { nodes, diagnostics: reader.diagnostics };
}
