// keepalived's `read_line` (lib/parser.c): comments, `@id` prefixes, `$NAME=` definitions,
// `include`, and the splitting of `{`/`}` onto logical lines of their own, with its brace count
// ("Extra '}' found", "There are N missing '}'s or extra '{'s").
import type { KeepalivedDiagnostic } from './types.ts';

export interface LogicalLine {
  /** 1-based physical line it came from (several logical lines may share one). */
  line: number;
  /** Words with quotes removed; a brace line is exactly ['{'] or ['}']. */
  words: string[];
  /** Indentation width of the physical line (tab stops of 8). */
  indent: number;
}

export interface LexOptions {
  /** keepalived's `-i ID`: keeps `@ID …` lines and drops `@^ID …`. Unset: `@x` dropped, `@^x` kept. */
  configId?: string;
}

export interface Lexed {
  lines: LogicalLine[];
  diagnostics: KeepalivedDiagnostic[];
}

function indentWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    if (ch === ' ') width += 1;
    else if (ch === '\t') width += 8 - (width % 8);
    else break;
  }
  return width;
}

// `decomment`: cut at the first `!`/`#` outside double quotes; `\#`, `\!` are literal.
function decomment(text: string): string {
  let out = '';
  let quote = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] ?? '';
    if (ch === '\\' && (text[i + 1] === '#' || text[i + 1] === '!') && !quote) {
      out += text[i + 1];
      i += 1;
      continue;
    }
    if (ch === '"') quote = !quote;
    if (!quote && (ch === '!' || ch === '#')) break;
    out += ch;
  }
  return out.trim();
}

/** Words as `alloc_strvec` splits them: whitespace-separated, `"…"` kept whole without quotes. */
export function splitWords(text: string): { words: string[]; unmatchedQuote: boolean } {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] ?? '')) i += 1;
    if (i >= text.length) break;
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) return { words, unmatchedQuote: true };
      words.push(text.slice(i + 1, end));
      i = end + 1;
    } else {
      const start = i;
      while (i < text.length && !/[\s"]/.test(text[i] ?? '')) i += 1;
      words.push(text.slice(start, i));
    }
  }
  return { words, unmatchedQuote: false };
}

// The first `{` or `}` outside double quotes, or -1.
function braceAt(text: string): number {
  let quote = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '"') quote = !quote;
    else if (!quote && (ch === '{' || ch === '}')) return i;
  }
  return -1;
}

// `@ID line` / `@^ID line`: keep the rest of the line only when it applies to this config id.
function applyConfigId(text: string, configId: string | undefined): string | undefined {
  if (!text.startsWith('@')) return text;
  const reverse = text[1] === '^';
  const m = /^@\^?(\S+)\s+(.*)$/.exec(text);
  if (!m) return undefined;
  const matches = configId !== undefined && m[1] === configId;
  return matches !== reverse ? (m[2] ?? '') : undefined;
}

function substitute(text: string, defs: ReadonlyMap<string, string>): string {
  if (defs.size === 0 || !text.includes('$')) return text;
  return text.replace(/\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g, (whole, braced?: string, bare?: string) => {
    const value = defs.get(braced ?? bare ?? '');
    return value ?? whole;
  });
}

/** Read keepalived.conf text into logical lines, as `read_line` hands them to the keyword parser. */
export function lexKeepalived(text: string, options: LexOptions = {}): Lexed {
  const lines: LogicalLine[] = [];
  const diagnostics: KeepalivedDiagnostic[] = [];
  const defs = new Map<string, string>();
  const physical = text.split('\n');
  let depth = 0;
  physical.forEach((raw, index) => {
    const at = index + 1;
    const indent = indentWidth(raw);
    let body = applyConfigId(decomment(raw.replace(/\r$/, '')), options.configId);
    if (!body) return;
    const def = /^\$([A-Za-z_]\w*)\s*=\s*(.*)$/.exec(body);
    if (def) {
      if (def[2]?.endsWith('\\')) {
        diagnostics.push({ severity: 'warning', line: at, message: `multi-line definition '$${def[1]}' is not expanded by lvs-release` });
      }
      defs.set(def[1] ?? '', def[2] ?? '');
      return;
    }
    if (body.startsWith('~SEQ')) {
      diagnostics.push({ severity: 'warning', line: at, message: `'~SEQ' is not expanded by lvs-release: the lines it generates are not read` });
      return;
    }
    body = substitute(body, defs);
    const include = splitWords(body).words;
    if (include[0] === 'include' && include.length === 2) {
      diagnostics.push({
        severity: 'warning',
        line: at,
        message: `include '${include[1]}' is not followed: lvs-release reads this file only`,
      });
      return;
    }
    let rest = body;
    while (rest) {
      const p = braceAt(rest);
      let piece: string;
      if (p === 0) {
        piece = rest[0] ?? '';
        rest = rest.slice(1).trim();
      } else if (p > 0) {
        piece = rest.slice(0, p).trim();
        rest = rest.slice(p);
      } else {
        piece = rest;
        rest = '';
      }
      if (piece === '{') depth += 1;
      else if (piece === '}') {
        if (depth < 1) diagnostics.push({ severity: 'error', line: at, message: "Extra '}' found" });
        depth = Math.max(0, depth - 1);
      }
      const { words, unmatchedQuote } = splitWords(piece);
      if (unmatchedQuote) diagnostics.push({ severity: 'error', line: at, message: `Unmatched quote: '${piece}'` });
      if (words.length > 0) lines.push({ line: at, words, indent });
    }
  });
  if (depth > 0) {
    // keepalived reports this at the last line it counted, i.e. the last one ending in '\n'.
    const last = Math.max(1, physical.length - 1);
    diagnostics.push({ severity: 'error', line: last, message: `There are ${depth} missing '}'s or extra '{'s` });
  }
  return { lines, diagnostics };
}
