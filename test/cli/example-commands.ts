// Finds the `release …` command lines in examples/ (CI YAML, a Jenkinsfile's `sh` steps, systemd
// units, crontab lines, shell and Markdown, and commands quoted in comments) and expands their variables with plausible
// values, so each can go through the CLI's parser. A variable or `$(…)` without a known value
// is an error: add its plausible values here rather than let a command line go unchecked.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

export interface ExampleCommand {
  /** `examples/ci/github-actions.yml (jobs.release.steps[5].run)`. */
  where: string;
  /** The text as written, after the command word. */
  text: string;
  /** The variables in scope (a step's `env:`, GitLab `variables:`), as written. */
  scope: Record<string, string>;
}

/** Plausible values of what CI systems and the examples' users provide; each value is tried. */
const PLAUSIBLE: Record<string, string[]> = {
  // GitHub Actions expressions (`${{ … }}`).
  'matrix.cluster': ['web-prod', 'web-prod-eu'],
  'inputs.batch': ['', '2', '1,25%'],
  'inputs.canary': ['', '1'],
  'github.sha': ['3f2c1a9b7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a'],
  // Variables the CI runner sets.
  GITHUB_SHA: ['3f2c1a9b7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a'],
  GITHUB_RUN_ID: ['9876543210'],
  CI_COMMIT_SHORT_SHA: ['3f2c1a9b'],
  CI_PIPELINE_IID: ['42'],
  CI_JOB_ID: ['123456'],
  BUILD_NUMBER: ['42'],
  HOME: ['/home/deploy'],
};

/** Command substitutions with a fixed plausible output. */
const COMMAND_OUTPUT: Record<string, string> = {
  'date -u +%Y%m%dT%H%M%SZ': '20260307T020000Z',
  'date +%Y%m%dT%H%M%S': '20260307T100000',
  'git rev-parse --short HEAD': '3f2c1a9',
};

type Word = string | { op: string };

class Unknown extends Error {}

/** A GitHub expression: `a.b`, `'literal'`, or `x || y` (the first non-empty). */
function evaluateExpression(expression: string, pick: (name: string) => string): string {
  for (const part of expression.split('||').map((p) => p.trim())) {
    const literal = /^'(.*)'$/.exec(part);
    const value = literal ? (literal[1] as string) : /^[\w.-]+$/.test(part) ? pick(part) : undefined;
    if (value === undefined) throw new Unknown(`expression part ${part}`);
    if (value !== '') return value;
  }
  return '';
}

/** Replaces `${{ … }}` with plausible values. */
export function expandExpressions(text: string, pick: (name: string) => string): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => evaluateExpression(expression, pick));
}

/**
 * Shell words of `text`, as sh would split them: quotes, backslashes, `$VAR`, `${VAR}`,
 * `${VAR:offset:length}`, `${VAR:-word}`, `${VAR:+word}`, `$(…)`, operators as `{ op }`.
 */
export function shellWords(text: string, lookup: (name: string) => string): Word[] {
  const words: Word[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const end = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const closing = (open: string, close: string, from: number) => {
    let depth = 1;
    for (let j = from; j < text.length; j++) {
      if (text.startsWith(open, j)) depth++;
      else if (text[j] === close && --depth === 0) return j;
    }
    throw new Unknown(`unbalanced ${open} in ${text}`);
  };
  // One `$…` expansion at i; returns its value and the index after it, or the words for `:+word`.
  const dollar = (quoted: boolean): { value: string } | { words: string[] } => {
    if (text[i + 1] === '(') {
      const close = closing('(', ')', i + 2);
      const command = text.slice(i + 2, close).trim();
      i = close + 1;
      const output = COMMAND_OUTPUT[command];
      if (output === undefined) throw new Unknown(`$(${command})`);
      return { value: output };
    }
    if (text[i + 1] === '{') {
      const close = closing('{', '}', i + 2);
      const inner = text.slice(i + 2, close);
      i = close + 1;
      const m = /^(\w+)(?::(-|\+)(.*)|:(\d*)(?::(\d+))?)?$/s.exec(inner);
      if (!m) throw new Unknown(`\${${inner}}`);
      const value = lookup(m[1] as string);
      if (m[2] === '-') return { value: value !== '' ? value : (m[3] as string) };
      if (m[2] === '+') {
        if (value === '') return { words: [] };
        const inside = shellWords(m[3] as string, lookup).filter((w): w is string => typeof w === 'string');
        return quoted ? { value: inside.join(' ') } : { words: inside };
      }
      if (m[4] !== undefined) {
        const start = Number(m[4] || '0');
        return { value: m[5] !== undefined ? value.slice(start, start + Number(m[5])) : value.slice(start) };
      }
      return { value };
    }
    const name = /^\w+/.exec(text.slice(i + 1))?.[0];
    if (!name) {
      i++;
      return { value: '$' };
    }
    i += 1 + name.length;
    return { value: lookup(name) };
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      end();
      if (c === '\n') words.push({ op: '\n' });
      i++;
    } else if (c === '#' && !inWord) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (/[;&|<>()]/.test(c)) {
      if (/[<>]/.test(c) && /^\d+$/.test(word)) word = ''; // `2>` names a descriptor, not an argument
      end();
      const op = /^(&&|\|\||;;|>>|2>&1|[;&|<>()])/.exec(text.slice(i))?.[0] as string;
      words.push({ op });
      i += op.length;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new Unknown(`unbalanced ' in ${text}`);
      word += text.slice(i + 1, close);
      inWord = true;
      i = close + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      while (text[i] !== '"') {
        if (i >= text.length) throw new Unknown(`unbalanced " in ${text}`);
        if (text[i] === '\\' && /["\\$`\n]/.test(text[i + 1] ?? '')) {
          word += text[i + 1] === '\n' ? '' : text[i + 1];
          i += 2;
        } else if (text[i] === '$') {
          const expanded = dollar(true);
          word += 'value' in expanded ? expanded.value : expanded.words.join(' ');
        } else {
          word += text[i];
          i++;
        }
      }
      i++;
    } else if (c === '\\') {
      if (text[i + 1] !== '\n') {
        word += text[i + 1] ?? '';
        inWord = true;
      }
      i += 2;
    } else if (c === '$') {
      const expanded = dollar(false);
      const parts = 'value' in expanded ? expanded.value.split(/\s+/).filter(Boolean) : expanded.words;
      parts.forEach((part, n) => {
        if (n > 0) end();
        word += part;
        inWord = true;
      });
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  end();
  return words;
}

const COMMAND_WORD = /^(?:\S*\/)?release$/;

/** Words that start a compound command (`if release …; then exec release …`): the command follows. */
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'time']);

/**
 * Commands that run the command after their own arguments: the options each takes with a value,
 * and how many operands come before the command (`flock -n FILE release …`, `timeout 8h release …`).
 */
const WRAPPERS: Record<string, { valued: RegExp; operands: number }> = {
  exec: { valued: /^-a$/, operands: 0 },
  npx: { valued: /^(?:-p|--package)$/, operands: 0 },
  flock: { valued: /^(?:-w|--wait|--timeout|-E|--conflict-exit-code)$/, operands: 1 },
  timeout: { valued: /^(?:-s|--signal|-k|--kill-after)$/, operands: 1 },
  nice: { valued: /^(?:-n|--adjustment)$/, operands: 0 },
  nohup: { valued: /^$/, operands: 0 },
};

/** The index of the command word in a simple command: after VAR=value prefixes, keywords and wrappers. */
function commandWordAt(command: readonly string[]): number {
  let k = 0;
  for (;;) {
    while (k < command.length && (/^[A-Za-z_]\w*=/.test(command[k] as string) || KEYWORDS.has(command[k] as string))) k++;
    const wrapper = WRAPPERS[command[k] ?? ''];
    if (!wrapper) return k;
    k++;
    while (k < command.length && (command[k] as string).startsWith('-')) k += wrapper.valued.test(command[k] as string) ? 2 : 1;
    k += wrapper.operands;
  }
}

/** The arguments of every `release` (or `npx release`, `exec release`, `flock … release`) simple command among `words`. */
export function releaseArgvs(words: Word[]): string[][] {
  const found: string[][] = [];
  let command: string[] = [];
  const flush = () => {
    const k = commandWordAt(command);
    if (COMMAND_WORD.test(command[k] ?? '')) found.push(command.slice(k + 1));
    command = [];
  };
  for (const w of words) {
    if (typeof w === 'string') command.push(w);
    else if (/^(?:&&|\|\||;|\||&|\(|\)|\n)$/.test(w.op)) flush();
    else {
      // A redirection ends the arguments; its target is not one.
      flush();
    }
  }
  flush();
  return found;
}

/** Is there a `release` command word in this shell text (before expanding anything)? */
function mentionsRelease(text: string): boolean {
  return /(?:^|[\s;&|(`])(?:npx\s+)?(?:\S*\/)?release(?=\s|$|[;&|)`])/m.test(text);
}

/** Commands quoted in prose: `release …` in backticks, or a comment that is a command line. */
function proseCommands(comment: string, quotedOnly: boolean): string[] {
  const quoted = [...comment.matchAll(/`((?:npx\s+)?release(?:\s[^`]*)?)`/g)].map((m) => m[1] as string);
  if (quotedOnly) return quoted;
  const line = /^\s*(?:[\w ,]+:\s+)?((?:npx\s+)?release\s[^→#]*?)(?:\s{2,}|\s*→|\s+#|$)/.exec(comment)?.[1];
  return line && !quoted.length ? [...quoted, line] : quoted;
}

/** The comment part of a line (`# …` at its start or after a blank; `// …` in Groovy), or undefined. */
function commentOf(line: string, groovy = false): string | undefined {
  if (groovy) return /^\s*\/\/\s?(.*)$/.exec(line)?.[1] ?? /\s\/\/\s(.*)$/.exec(line)?.[1];
  const m = /(?:^|\s)[#;]\s?(.*)$/.exec(line);
  return m && (/^\s*[#;]/.test(line) || line.includes(' #')) ? m[1] : undefined;
}

const isJenkinsfile = (name: string) => name === 'Jenkinsfile' || /\.(?:jenkinsfile|groovy)$/.test(name);
const isCrontab = (name: string) => name === 'crontab' || /\.(?:crontab|cron)$/.test(name);

function fromText(where: string, text: string, scope: Record<string, string>): ExampleCommand[] {
  return mentionsRelease(text) ? [{ where, text, scope }] : [];
}

/** Shell held by CI YAML: GitHub `run`, GitLab `script`/`before_script`/`after_script`, with `env`/`variables` in scope. */
function fromYaml(file: string, source: string): ExampleCommand[] {
  const found: ExampleCommand[] = [];
  const walk = (node: unknown, path: string, scope: Record<string, string>): void => {
    if (Array.isArray(node)) {
      for (const [n, item] of node.entries()) walk(item, `${path}[${n}]`, scope);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const own = { ...scope };
    for (const key of ['env', 'variables']) {
      const vars = record[key];
      if (vars && typeof vars === 'object' && !Array.isArray(vars)) {
        for (const [name, value] of Object.entries(vars)) if (typeof value === 'string' || typeof value === 'number') own[name] = String(value);
      }
    }
    for (const [key, value] of Object.entries(record)) {
      const at = path ? `${path}.${key}` : key;
      const shell = key === 'run' || key === 'script' || key === 'before_script' || key === 'after_script';
      if (shell && typeof value === 'string') found.push(...fromText(`${file} (${at})`, value, own));
      else if (shell && Array.isArray(value)) {
        for (const [n, item] of value.entries()) if (typeof item === 'string') found.push(...fromText(`${file} (${at}[${n}])`, item, own));
      } else walk(value, at, own);
    }
  };
  walk(parse(source), '', {});
  return found;
}

/** systemd units: the Exec*= lines (continuations joined); everything else is prose. */
function fromSystemd(file: string, source: string): ExampleCommand[] {
  const found: ExampleCommand[] = [];
  for (const [n, line] of source.replace(/\\\n/g, ' ').split('\n').entries()) {
    const exec = /^\s*Exec\w*=[-@:+!]*(.*)$/.exec(line);
    if (exec) found.push(...fromText(`${file}:${n + 1}`, exec[1] as string, {}));
  }
  return found;
}

const CRON_SCHEDULE = /^\s*(?:@\w+|(?:[\d*/,-]+\s+){3}[\d*/,A-Za-z-]+\s+[\d*/,A-Za-z-]+)\s+/;

/** Shell files: every non-comment line is shell (a schedule in front, as in a crontab line, is dropped). */
function fromShell(file: string, source: string): ExampleCommand[] {
  const found: ExampleCommand[] = [];
  for (const [n, raw] of source.replace(/\\\n/g, ' ').split('\n').entries()) {
    if (/^\s*#/.test(raw)) continue;
    found.push(...fromText(`${file}:${n + 1}`, raw.replace(CRON_SCHEDULE, ''), {}));
  }
  return found;
}

/**
 * A crontab: each entry's command after its schedule. Variable settings (`MAILTO=…`) are not
 * commands; cron ends the command at the first unescaped `%` (the rest is its stdin) and turns
 * `\%` into `%`.
 */
function fromCrontab(file: string, source: string): ExampleCommand[] {
  const found: ExampleCommand[] = [];
  for (const [n, raw] of source.split('\n').entries()) {
    if (/^\s*(?:#|$)/.test(raw) || /^\s*[A-Za-z_]\w*\s*=/.test(raw)) continue;
    const entry = raw.replace(CRON_SCHEDULE, '');
    if (entry === raw) throw new Unknown(`${file}:${n + 1}: not a crontab entry (no schedule): ${raw}`);
    const command = (/^(?:[^%\\]|\\.)*/.exec(entry)?.[0] ?? '').replace(/\\%/g, '%');
    found.push(...fromText(`${file}:${n + 1}`, command, {}));
  }
  return found;
}

/** A Groovy string literal's text: its escapes resolved, a backslash-newline removed (line continuation). */
function groovyText(body: string): string {
  return body.replace(/\\(\n|.)/g, (_, c: string) => (c === '\n' ? '' : c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/**
 * A declarative Jenkinsfile: the shell of every `sh` step (`sh '…'`, `sh '''…'''`, `sh(script: '…')`,
 * `sh label: …, script: …`), with `environment { NAME = 'value' }` and the string parameters'
 * defaults in scope (Jenkins exports both to the step). A double-quoted `sh "…$…"` is refused:
 * Groovy would interpolate the value into the script before the shell sees it.
 */
function fromJenkinsfile(file: string, source: string): ExampleCommand[] {
  const scope: Record<string, string> = {};
  for (const block of source.matchAll(/\benvironment\s*\{([^}]*)\}/g)) {
    for (const m of (block[1] as string).matchAll(/^\s*([A-Za-z_]\w*)\s*=\s*'([^'\\]*)'/gm)) scope[m[1] as string] = m[2] as string;
  }
  for (const m of source.matchAll(/\bstring\s*\(\s*name:\s*'(\w+)'\s*,\s*defaultValue:\s*'([^'\\]*)'/g)) scope[m[1] as string] = m[2] as string;
  const found: ExampleCommand[] = [];
  const step = /\bsh\b\s*\(?\s*(?:label\s*:\s*'[^']*'\s*,\s*)?(?:script\s*:\s*)?('''|"""|'|")/g;
  for (let m = step.exec(source); m; m = step.exec(source)) {
    const quote = m[1] as string;
    const start = m.index + m[0].length;
    let end = start;
    while (end < source.length && !(source.startsWith(quote, end) && source[end - 1] !== '\\')) end++;
    if (end >= source.length) throw new Unknown(`${file}: unterminated ${quote} after sh`);
    step.lastIndex = end + quote.length;
    const body = source.slice(start, end);
    const line = source.slice(0, m.index).split('\n').length;
    if (quote.startsWith('"') && /\$/.test(body)) {
      throw new Unknown(`${file}:${line}: a double-quoted sh string with $ is interpolated by Groovy, not the shell: single-quote it`);
    }
    found.push(...fromText(`${file}:${line} (sh)`, groovyText(body), scope));
  }
  return found;
}

/** Markdown: fenced sh/bash/console blocks are shell; the prose is searched for quoted commands. */
function fromMarkdown(file: string, source: string): ExampleCommand[] {
  const found: ExampleCommand[] = [];
  for (const m of source.matchAll(/^```(?:sh|bash|shell|console)\n([\s\S]*?)^```/gm)) {
    found.push(...fromShell(file, (m[1] as string).replace(/^\$ /gm, '')));
  }
  return found;
}

/** Every `release …` command line written in the files under `dir`. */
export function findExampleCommands(repo: string, dir: string): ExampleCommand[] {
  const found: ExampleCommand[] = [];
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  for (const entry of files) {
    const path = join(entry.parentPath, entry.name);
    const file = relative(repo, path);
    const source = readFileSync(path, 'utf8');
    if (/\.ya?ml$/.test(entry.name)) found.push(...fromYaml(file, source));
    else if (/\.(service|timer|socket|path)$/.test(entry.name)) found.push(...fromSystemd(file, source));
    else if (/\.md$/.test(entry.name)) found.push(...fromMarkdown(file, source));
    else if (isJenkinsfile(entry.name)) found.push(...fromJenkinsfile(file, source));
    else if (isCrontab(entry.name)) found.push(...fromCrontab(file, source));
    else found.push(...fromShell(file, source));
    // Comments and prose everywhere: commands quoted in them are promises too.
    for (const [n, line] of source.split('\n').entries()) {
      const comment = /\.md$/.test(entry.name) ? line : commentOf(line, isJenkinsfile(entry.name));
      if (comment === undefined) continue;
      for (const text of proseCommands(comment, /\.md$/.test(entry.name))) found.push({ where: `${file}:${n + 1} (comment)`, text, scope: {} });
    }
  }
  return found;
}

/**
 * The argv lists of one found command, one per combination of the plausible values of the
 * variables it uses (bounded), after `${{ … }}`, the scope and the shell are expanded.
 */
export function expandCommand(command: ExampleCommand, limit = 64): string[][] {
  const results = new Map<string, string[]>();
  // Odometer over the alternatives of the names actually looked up, discovered as they are used.
  const choices = new Map<string, number>();
  const seen: string[] = [];
  for (let round = 0; round < limit; round++) {
    const pick = (name: string): string => {
      const values = PLAUSIBLE[name];
      if (!values) throw new Unknown(`no plausible value for ${name} (add one in test/cli/example-commands.ts)`);
      if (!choices.has(name)) {
        choices.set(name, 0);
        seen.push(name);
      }
      return values[choices.get(name) as number] as string;
    };
    const lookup = (name: string): string => {
      const scoped = command.scope[name];
      return scoped !== undefined ? expandExpressions(scoped, pick) : pick(name);
    };
    const words = shellWords(expandExpressions(command.text, pick), lookup);
    for (const argv of releaseArgvs(words)) results.set(JSON.stringify(argv), argv);
    // Next combination.
    let k = seen.length - 1;
    for (; k >= 0; k--) {
      const name = seen[k] as string;
      const next = (choices.get(name) as number) + 1;
      if (next < (PLAUSIBLE[name] as string[]).length) {
        choices.set(name, next);
        break;
      }
      choices.set(name, 0);
    }
    if (k < 0) break;
  }
  return [...results.values()];
}
