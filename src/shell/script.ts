// The one way a small remote script is built: fixed text written in the source, and values that
// are each quoted as one word by shellQuote. Never a value concatenated into shell text.
// Only for what one command cannot do (an atomic mkdir lock that writes its owner file, a write
// through a temp file); everything else is an argv (RemoteCommand { argv }).
import { ReleaseError } from '../core/errors.ts';
import { shellQuote } from './quote.ts';
import { shellContexts, type TemplatePart, type VarPart } from './template-parse.ts';

const SCRIPT: unique symbol = Symbol('ShellScript');

/** A script built by `sh`; only `sh` makes one, so one can be nested in another as it is. */
export interface ShellScript {
  readonly [SCRIPT]: true;
  /** The script, ready for `RemoteCommand.script`. */
  readonly text: string;
}

/** One word (string, finite number), an argv (each element one word), or a script built by `sh`. */
export type ShellValue = string | number | readonly string[] | ShellScript;

export function isShellScript(value: unknown): value is ShellScript {
  return typeof value === 'object' && value !== null && SCRIPT in value;
}

function word(value: string | number, where: string, atWordStart: boolean): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`sh: ${where} is not a finite number (${value})`);
    return String(value);
  }
  if (atWordStart && value.startsWith('-')) {
    throw new ReleaseError('TEMPLATE_UNSAFE', `the value "${value.slice(0, 40)}" starts with "-", where a command would read it as an option`, {
      hint: 'use a value that does not start with "-" (e.g. ./-file for a path).',
    });
  }
  // NOTE: shellQuote refuses NUL (no shell word can carry it) with TEMPLATE_UNSAFE.
  return shellQuote(value);
}

/**
 * Tagged template for a POSIX sh script: `sh\`mkdir -- ${dir}\``. Each string or number is quoted
 * as one word; an array is an argv (each element one word, joined by spaces); a ShellScript is
 * inserted as built. A value written inside quotes or after a backslash in the fixed text is a bug
 * (TypeError); a value holding NUL, or starting with `-` where a word starts, is TEMPLATE_UNSAFE.
 */
export function sh(strings: TemplateStringsArray, ...values: readonly ShellValue[]): ShellScript {
  const parts: TemplatePart[] = [];
  const slots: VarPart[] = [];
  strings.forEach((text, i) => {
    if (text !== '') parts.push({ kind: 'text', text });
    if (i < values.length) {
      const slot: VarPart = { kind: 'var', name: `#${i + 1}`, index: i, raw: '' };
      slots.push(slot);
      parts.push(slot);
    }
  });
  const contexts = shellContexts(parts);
  const rendered = values.map((value, i) => {
    const where = `value #${i + 1}`;
    const context = contexts.get(slots[i] as VarPart);
    if (context !== 'word-start' && context !== 'in-word') {
      throw new TypeError(`sh: ${where} is ${context} in the fixed text; values are quoted for you, write them bare`);
    }
    if (isShellScript(value)) return value.text;
    if (Array.isArray(value)) {
      if (value.length === 0) throw new TypeError(`sh: ${where} is an empty argv`);
      return (value as readonly string[]).map((v, j) => word(v, `${where}[${j}]`, j === 0)).join(' ');
    }
    return word(value as string | number, where, context === 'word-start');
  });
  const text = strings.reduce((out, s, i) => out + s + (i < rendered.length ? rendered[i] : ''), '');
  return Object.freeze({ [SCRIPT]: true as const, text });
}

/** Several argvs as one script joined by `&&` (each stops the rest on failure) or `;`. */
export function joinCommands(argvs: readonly (readonly string[])[], operator: '&&' | ';'): ShellScript {
  if (argvs.length === 0) throw new TypeError('joinCommands: no command');
  return argvs.map((argv) => sh`${argv}`).reduce((joined, next) => (operator === '&&' ? sh`${joined} && ${next}` : sh`${joined}; ${next}`));
}
