// The one template engine of a pipeline: {{placeholders}} in every templated field (run, argv,
// upload paths, a smoke check's path, host, body, headers and body pattern), each value escaped for
// where it lands. Values reaching a shell are always quoted by shellQuote; anything that cannot be
// inserted safely is refused, never patched up. The loader validates with the same parser and rules.

import { ReleaseError } from '../core/errors.ts';
import { shellJoin, shellQuote } from './quote.ts';
import { parseTemplate, shellContexts } from './template-parse.ts';
import type { ShellContext, TemplatePart, TemplateProblem, VarPart } from './template-parse.ts';

export type { TemplateProblem } from './template-parse.ts';

/** Where a template's values land: a shell command, an argv element, or a smoke check's text,
 * URL path or body pattern. The last three are render contexts of renderTemplate. */
export type TemplateContext = 'shell' | 'argv' | RenderContext;
export type RenderContext = 'text' | 'url-path' | 'pattern';

/** How a value is written into each render context (after the checks every value passes). */
const ESCAPES: Record<RenderContext, (value: string) => string> = {
  text: (value) => value,
  // NOTE: one value is one path component: a "/" or "?" in a value cannot change the URL's shape.
  'url-path': (value) => encodeURIComponent(value),
  // A value matches itself literally: "v2.1" does not match "v2x1".
  pattern: (value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
};

export type TemplateValue = string | number;
/** Variables by name; nested objects give dotted names ({ server: { host } } → {{server.host}}). */
export interface TemplateVars {
  readonly [name: string]: TemplateValue | TemplateVars | undefined;
}

const CONTEXT_PROBLEMS: Partial<Record<ShellContext, (name: string) => { message: string; hint: string }>> = {
  'single-quoted': (name) => ({ message: `{{${name}}} is inside single quotes`, hint: `remove the quotes around {{${name}}}: values are quoted for you` }),
  'double-quoted': (name) => ({ message: `{{${name}}} is inside double quotes`, hint: `remove the quotes around {{${name}}}: values are quoted for you` }),
  escaped: (name) => ({ message: `{{${name}}} follows a backslash`, hint: `remove the backslash before {{${name}}}` }),
};

/** Every dotted name with a value slot in vars, e.g. ['release', 'server.host']. */
export function templateVarNames(vars: TemplateVars, prefix = ''): string[] {
  return Object.entries(vars).flatMap(([key, value]) => (typeof value === 'object' ? templateVarNames(value, `${prefix}${key}.`) : [`${prefix}${key}`]));
}

function unknownProblem(part: VarPart, known: readonly string[]): TemplateProblem {
  return { message: `unknown variable {{${part.name}}}`, hint: `use one of ${known.map((name) => `{{${name}}}`).join(', ')}`, index: part.index };
}

/** The body pattern with every placeholder as some value, to tell whether it compiles. */
function patternProblem(parts: readonly TemplatePart[]): TemplateProblem[] {
  const source = parts.map((part) => (part.kind === 'text' ? part.text : 'x')).join('');
  try {
    new RegExp(source);
    return [];
  } catch (error) {
    return [
      {
        message: `not a regular expression: ${(error as Error).message}`,
        hint: 'write a JavaScript regular expression without slashes; {{values}} in it match literally',
        index: 0,
      },
    ];
  }
}

/** Problems a template has whatever the values: unknown names, malformed or quoted placeholders, a
 * pattern that cannot compile. For the loader; the renderers below refuse the same names and placeholders. */
export function validateTemplate(template: string, knownVars: Iterable<string>, options: { context?: TemplateContext } = {}): TemplateProblem[] {
  const known = [...knownVars];
  const context = options.context ?? 'text';
  const { parts, problems } = parseTemplate(template);
  const shell = context === 'shell' ? shellContexts(parts) : new Map<VarPart, ShellContext>();
  for (const part of parts) {
    if (part.kind !== 'var') continue;
    if (!known.includes(part.name)) problems.push(unknownProblem(part, known));
    const contextProblem = CONTEXT_PROBLEMS[shell.get(part) ?? 'in-word'];
    if (contextProblem) problems.push({ ...contextProblem(part.name), index: part.index });
  }
  if (context === 'pattern' && problems.length === 0) problems.push(...patternProblem(parts));
  return problems.sort((a, b) => a.index - b.index);
}

function lookup(vars: TemplateVars, name: string): TemplateValue | TemplateVars | undefined {
  let value: TemplateValue | TemplateVars | undefined = vars;
  for (const key of name.split('.')) {
    if (typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

/** The value of a placeholder as text; refuses unknown names, missing values and line breaks/NUL. */
function placeholderValue(part: VarPart, vars: TemplateVars): string {
  const value = lookup(vars, part.name);
  if (value === undefined || typeof value === 'object') {
    const known = templateVarNames(vars);
    if (known.includes(part.name)) {
      throw new ReleaseError('CONFIG_INVALID', `{{${part.name}}} has no value here`, {
        hint: `this step cannot use {{${part.name}}}; remove it from the step.`,
      });
    }
    const problem = unknownProblem(part, known);
    throw new ReleaseError('CONFIG_INVALID', problem.message, { hint: `${problem.hint}.` });
  }
  const text = String(value);
  if (/[\0\r\n]/.test(text)) {
    throw new ReleaseError('TEMPLATE_UNSAFE', `the value of {{${part.name}}} holds a ${text.includes('\0') ? 'NUL character' : 'line break'}`, {
      hint: 'values inserted into commands, paths and URLs must be a single line without NUL.',
      details: { variable: part.name },
    });
  }
  return text;
}

function optionLike(part: VarPart, text: string): ReleaseError {
  return new ReleaseError('TEMPLATE_UNSAFE', `the value of {{${part.name}}} ("${text}") starts with "-" where a command would read it as an option`, {
    hint: 'use a value that does not start with "-" (e.g. ./-file for a path).',
    details: { variable: part.name },
  });
}

function parsed(template: string): TemplatePart[] {
  const { parts, problems } = parseTemplate(template);
  const [first] = problems;
  if (first) throw new ReleaseError('CONFIG_INVALID', `${first.message} in "${template}"`, { hint: `${first.hint}.` });
  return parts;
}

/** Substitution outside a shell: upload paths and smoke checks. Each value is escaped for the context
 * (text as is, url-path URL-encoded, pattern regex-escaped); line breaks and NUL are refused in all. */
export function renderTemplate(template: string, vars: TemplateVars, context: RenderContext = 'text'): string {
  const escapeValue = ESCAPES[context];
  return parsed(template)
    .map((part) => (part.kind === 'text' ? part.text : escapeValue(placeholderValue(part, vars))))
    .join('');
}

/** A shell command: every value quoted as its own word; quoted, escaped or option-like insertions refused. */
export function renderShellTemplate(template: string, vars: TemplateVars): string {
  const parts = parsed(template);
  const contexts = shellContexts(parts);
  return parts
    .map((part) => {
      if (part.kind === 'text') return part.text;
      const context = contexts.get(part) ?? 'word-start';
      const problem = CONTEXT_PROBLEMS[context]?.(part.name);
      if (problem) throw new ReleaseError('TEMPLATE_UNSAFE', `${problem.message} in "${template}"`, { hint: `${problem.hint}.` });
      const text = placeholderValue(part, vars);
      if (context === 'word-start' && text.startsWith('-')) throw optionLike(part, text);
      return shellQuote(text);
    })
    .join('');
}

/** An argv of templates, each element rendered plainly (one argument whatever it holds); a value
 * that starts an element with `-` is refused. For `{ argv, sudo }` commands a sudoers line can name. */
export function renderArgvList(argvTemplates: readonly string[], vars: TemplateVars): string[] {
  return argvTemplates.map((template) => {
    const parts = parsed(template);
    const text = parts.map((part) => (part.kind === 'text' ? part.text : placeholderValue(part, vars))).join('');
    const first = parts[0];
    if (first?.kind === 'var' && text.startsWith('-')) throw optionLike(first, text);
    return text;
  });
}

/** An argv of templates as one command line: each element rendered plainly, then quoted whole. */
export function renderArgv(argvTemplates: readonly string[], vars: TemplateVars): string {
  return shellJoin(renderArgvList(argvTemplates, vars));
}
