// Splitting a template into text and {{placeholders}}, and reading the shell context of each placeholder.

export interface TextPart {
  kind: 'text';
  text: string;
}
export interface VarPart {
  kind: 'var';
  name: string;
  /** Offset of the '{{' in the template. */
  index: number;
  raw: string;
}
export type TemplatePart = TextPart | VarPart;

/** Where a placeholder sits in a shell command. Only word-start and in-word are insertable. */
export type ShellContext = 'word-start' | 'in-word' | 'single-quoted' | 'double-quoted' | 'escaped' | 'comment';

export interface TemplateProblem {
  message: string;
  hint: string;
  /** Offset in the template. */
  index: number;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/g;

/** Text and placeholders in order, plus problems for '{{' that do not form a placeholder. */
export function parseTemplate(template: string): { parts: TemplatePart[]; problems: TemplateProblem[] } {
  const parts: TemplatePart[] = [];
  const problems: TemplateProblem[] = [];
  let last = 0;
  const pushText = (text: string, offset: number) => {
    const stray = text.indexOf('{{');
    if (stray >= 0) {
      const snippet = text.slice(stray, stray + 24).split('\n')[0] ?? '';
      problems.push({
        message: `"${snippet}" is not a placeholder`,
        hint: 'write {{name}} with a variable name of letters, digits, "_" and "."',
        index: offset + stray,
      });
    }
    if (text !== '') parts.push({ kind: 'text', text });
  };
  for (const match of template.matchAll(PLACEHOLDER)) {
    pushText(template.slice(last, match.index), last);
    parts.push({ kind: 'var', name: match[1] ?? '', index: match.index, raw: match[0] });
    last = match.index + match[0].length;
  }
  pushText(template.slice(last), last);
  return { parts, problems };
}

const WORD_BREAK = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>', '`']);

/** The shell context of every placeholder, by a small POSIX sh lexer over the literal text. */
export function shellContexts(parts: readonly TemplatePart[]): Map<VarPart, ShellContext> {
  const contexts = new Map<VarPart, ShellContext>();
  let quote: 'none' | 'single' | 'double' | 'comment' = 'none';
  let escaped = false;
  let inWord = false;
  for (const part of parts) {
    if (part.kind === 'var') {
      const context: ShellContext =
        quote === 'single'
          ? 'single-quoted'
          : quote === 'double'
            ? 'double-quoted'
            : quote === 'comment'
              ? 'comment'
              : escaped
                ? 'escaped'
                : inWord
                  ? 'in-word'
                  : 'word-start';
      contexts.set(part, context);
      if (quote === 'none') [escaped, inWord] = [false, true];
      continue;
    }
    for (const char of part.text) {
      if (quote === 'comment') {
        if (char === '\n') [quote, inWord] = ['none', false];
      } else if (quote === 'single') {
        if (char === "'") quote = 'none';
      } else if (quote === 'double') {
        if (escaped) escaped = false;
        else if (char === '\\') escaped = true;
        else if (char === '"') quote = 'none';
      } else if (escaped) {
        [escaped, inWord] = [false, char !== '\n' || inWord];
      } else if (char === '\\') {
        escaped = true;
      } else if (char === "'" || char === '"') {
        [quote, inWord] = [char === "'" ? 'single' : 'double', true];
      } else if (char === '#' && !inWord) {
        quote = 'comment';
      } else {
        inWord = !WORD_BREAK.has(char);
      }
    }
  }
  return contexts;
}
