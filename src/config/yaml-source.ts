// A YAML file parsed with positions, so every problem can name its line and column.

import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { formatPath } from './problems.ts';
import type { ConfigProblem, Finding, PathSegment } from './problems.ts';

export interface YamlSource {
  file: string;
  /** Plain data (what the schema and rules read); recovered as far as the parser could. */
  data: unknown;
  /** Syntax errors (the data may then be partial). */
  errors: ConfigProblem[];
  warnings: ConfigProblem[];
  /** Line and column (1-based) of the node at `path`, or of its deepest existing ancestor. */
  locate(path: readonly PathSegment[], options?: { key?: boolean }): { line: number; column: number };
  /** A finding placed in this file. */
  problem(finding: Finding): ConfigProblem;
}

/** First line of a yaml error message, without the position the parser appends. */
function yamlMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'keep one of the two entries',
  TAB_AS_INDENT: 'indent with spaces, never tabs',
  BAD_INDENT: 'indent the line to match its siblings',
  MISSING_CHAR: 'add the missing character (closing quote, bracket or "- ")',
};

/** Parse YAML text keeping positions; never throws. */
export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true, logLevel: 'silent' });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const fromYamlError = (error: { code: string; message: string; pos: [number, number] }): ConfigProblem => ({
    file,
    ...position(error.pos[0]),
    path: '',
    message: `YAML: ${yamlMessage(error.message)}`,
    hint: YAML_HINTS[error.code] ?? 'fix the YAML syntax at this line',
  });
  const locate = (path: readonly PathSegment[], options: { key?: boolean } = {}) => position(offsetOf(doc, path, options.key ?? false));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch {
    data = undefined;
  }
  return {
    file,
    data,
    errors: doc.errors.map(fromYamlError),
    warnings: doc.warnings.map(fromYamlError),
    locate,
    problem: (finding) => ({
      file,
      ...locate(finding.path, { key: finding.onKey ?? false }),
      path: formatPath(finding.path),
      message: finding.message,
      ...(finding.hint === undefined ? {} : { hint: finding.hint }),
    }),
  };
}

/** Offset of the node at path (its key when asked), else of the deepest ancestor that exists. */
function offsetOf(doc: Document, path: readonly PathSegment[], wantKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [index, segment] of path.entries()) {
    const last = index === path.length - 1;
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair === undefined) return offset;
      if (last && wantKey) return rangeStart(pair.key) ?? offset;
      next = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    } else {
      return offset;
    }
    const start = rangeStart(next);
    if (start === undefined) return offset;
    node = next;
    offset = start;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
