// The string literals of a TypeScript source ('…', "…" and the text of `…` templates), for tests
// that read the messages and hints the code can print. A small lexer: comments and regular
// expression literals are skipped, so their quotes do not start strings.

/** Marks where a template had `${…}`: no name continues across it. */
export const HOLE = '\u0000';

const REGEX_BEFORE = '(,=:[!&|?{};+-*%<>~^';

export function stringLiterals(source: string): string[] {
  const out: string[] = [];
  let i = 0;
  let last = '';

  const readEscaped = (end: (c: string) => boolean, onHole?: () => void): string => {
    let text = '';
    while (i < source.length && !end(source[i]!)) {
      if (source[i] === '\\') {
        text += source.slice(i, i + 2);
        i += 2;
      } else if (onHole && source[i] === '$' && source[i + 1] === '{') {
        text += HOLE;
        i += 2;
        onHole();
      } else {
        text += source[i++];
      }
    }
    i++;
    return text;
  };

  const skipRegex = (): void => {
    let inClass = false;
    for (i++; i < source.length; i++) {
      const c = source[i];
      if (c === '\\') i++;
      else if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) break;
    }
    i++;
  };

  // Code up to an unmatched `}` (the end of a template hole) or the end of the source.
  const lexCode = (inHole: boolean): void => {
    let depth = 0;
    while (i < source.length) {
      const c = source[i]!;
      if (c === '}' && depth === 0 && inHole) return void i++;
      if (c === '/' && source[i + 1] === '/') {
        const end = source.indexOf('\n', i);
        i = end < 0 ? source.length : end;
      } else if (c === '/' && source[i + 1] === '*') {
        i = source.indexOf('*/', i + 2) + 2;
      } else if (c === '"' || c === "'") {
        i++;
        out.push(readEscaped((x) => x === c));
        last = 'x';
      } else if (c === '`') {
        i++;
        out.push(
          readEscaped(
            (x) => x === '`',
            () => lexCode(true),
          ),
        );
        last = 'x';
      } else if (c === '/' && (last === '' || REGEX_BEFORE.includes(last) || /\b(return|typeof|case|of|in)\s*$/.test(source.slice(Math.max(0, i - 10), i)))) {
        skipRegex();
        last = 'x';
      } else {
        if (c === '{') depth++;
        if (c === '}') depth--;
        if (!/\s/.test(c)) last = c;
        i++;
      }
    }
  };

  lexCode(false);
  return out;
}
