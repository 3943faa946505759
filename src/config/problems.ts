// Config problems: where (file, line, column, path inside the file), what is wrong, how to fix it.

import { ReleaseError } from '../core/errors.ts';

export type PathSegment = string | number;

export interface ConfigProblem {
  /** The file as the user knows it (the --config path, or the pipeline resolved from it). */
  file: string;
  /** 1-based; absent when the problem is about the whole file (e.g. it cannot be read). */
  line?: number;
  column?: number;
  /** Path inside the file, e.g. 'realServers[2].address'; '' for the whole file. */
  path: string;
  message: string;
  /** How to fix it, one sentence. */
  hint?: string;
}

/** A rule's finding before it is placed in a file: a path inside the document and the words. */
export interface Finding {
  path: PathSegment[];
  message: string;
  hint?: string;
  /** Reported but does not stop the load. */
  warning?: boolean;
  /** Point at the key of the last path segment rather than its value (unknown keys). */
  onKey?: boolean;
}

/** A named semantic check over not-yet-validated data (it must tolerate any shape). */
export type Rule = (raw: unknown) => Finding[];

/** ['realServers', 2, 'address'] → 'realServers[2].address'. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

/** One problem as `release validate` prints it: `file:line:col path: message. Fix: hint` */
export function formatProblem(problem: ConfigProblem): string {
  const where = [problem.file, problem.line, problem.column].filter((part) => part !== undefined).join(':');
  const path = problem.path === '' ? '' : ` ${problem.path}:`;
  const fix = problem.hint === undefined ? '' : ` Fix: ${sentence(problem.hint)}`;
  return `${where}${path} ${sentence(problem.message)}${fix}`;
}

/** Problems sorted by file then position, one per line. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return sortProblems(problems).map(formatProblem).join('\n');
}

/** Stable order: by file (in order of first appearance), then line, then column. */
export function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const fileOrder = new Map<string, number>();
  for (const problem of problems) if (!fileOrder.has(problem.file)) fileOrder.set(problem.file, fileOrder.size);
  return [...problems].sort(
    (a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}

/** The CONFIG_INVALID error (exit 2) whose message lists every problem. */
export function configError(problems: readonly ConfigProblem[]): ReleaseError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new ReleaseError('CONFIG_INVALID', `${count} in the configuration:\n${formatProblems(problems)}`, {
    hint: 'fix the lines above, then run `release validate`.',
    details: { problems: sortProblems(problems) },
  });
}
