// zod issues → findings with our own words and a fix for each, one per unknown key.

import type * as z from 'zod';
import { closestMatch, suggestionHint } from './did-you-mean.ts';
import { formatPath } from './problems.ts';
import type { Finding, PathSegment } from './problems.ts';

type Issue = z.core.$ZodIssue;
interface LooseDef {
  type: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  innerType?: unknown;
  in?: unknown;
  out?: unknown;
  options?: unknown[];
  valueType?: unknown;
}

function defOf(schema: unknown): LooseDef | undefined {
  return (schema as { _zod?: { def?: LooseDef } } | undefined)?._zod?.def;
}

/** The keys an object schema at `path` allows (through arrays, optionals, unions, pipes). */
export function allowedKeysAt(schema: unknown, path: readonly PathSegment[]): string[] {
  let current: unknown[] = [schema];
  for (const segment of [...path, undefined]) {
    const next: unknown[] = [];
    const keys = new Set<string>();
    const visit = (node: unknown): void => {
      const def = defOf(node);
      if (def === undefined) return;
      if (def.innerType !== undefined) {
        visit(def.innerType);
        return;
      }
      if (def.type === 'pipe') {
        visit(def.in);
        visit(def.out);
        return;
      }
      if (def.type === 'union') {
        for (const option of def.options ?? []) visit(option);
        return;
      }
      if (segment === undefined) {
        if (def.type === 'object') for (const key of Object.keys(def.shape ?? {})) keys.add(key);
        return;
      }
      if (def.type === 'object' && typeof segment === 'string' && def.shape?.[segment] !== undefined) next.push(def.shape[segment]);
      if (def.type === 'array' && typeof segment === 'number') next.push(def.element);
      if (def.type === 'record') next.push(def.valueType);
    };
    current.forEach(visit);
    if (segment === undefined) return [...keys];
    current = next;
  }
  return [];
}

const TYPE_WORDS: Record<string, { noun: string; hint: string }> = {
  string: { noun: 'text', hint: 'write text; quote it if YAML would read it as a number, a date or a boolean' },
  number: { noun: 'a number', hint: 'write a number without quotes' },
  int: { noun: 'a whole number', hint: 'write a whole number without quotes' },
  boolean: { noun: 'true or false', hint: 'write true or false without quotes' },
  object: { noun: 'a mapping', hint: 'write "key: value" lines indented under this key' },
  array: { noun: 'a list', hint: 'write a list: "- item" lines, or [a, b]' },
  record: { noun: 'a mapping', hint: 'write "name: value" lines indented under this key' },
};

/** How a YAML value reads to a person: 'a list', 'the number 5', '"abc"'. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value}"`;
  return `${typeof value} ${String(value)}`;
}

function typeWords(expected: string) {
  return TYPE_WORDS[expected] ?? { noun: expected, hint: `write ${expected}` };
}

function toPath(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
}

/** One zod issue in our words; unknown keys give one finding per key. */
export function findingsFromIssue(schema: unknown, issue: Issue): Finding[] {
  const path = toPath(issue.path);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(schema, path);
      return issue.keys.map((key) => ({
        path: [...path, key],
        onKey: true,
        message: `unknown key "${key}"`,
        hint: suggestionHint(key, allowed, 'allowed keys here'),
      }));
    }
    case 'invalid_type': {
      const words = typeWords(issue.expected);
      const key = path.at(-1);
      if (input === undefined && typeof key === 'string') {
        return [{ path, message: `"${key}" is required`, hint: `add "${key}:" (${words.noun})` }];
      }
      return [{ path, message: `expected ${words.noun}, got ${describeValue(input)}`, hint: words.hint }];
    }
    case 'invalid_union': {
      const nouns = [...new Set(issue.errors.flatMap((errors) => errors.filter((e) => e.code === 'invalid_type').map((e) => typeWords(e.expected).noun)))];
      return [
        {
          path,
          message: `expected ${nouns.join(' or ') || 'another value'}, got ${describeValue(input)}`,
          hint: `write ${nouns.join(' or ') || 'a valid value'}`,
        },
      ];
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      return [{ path, message: `${describeValue(input)} is not one of ${values.join(', ')}`, hint: suggestionHint(String(input), values, 'use one of') }];
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array') return [{ path, message: `needs at least ${min} ${min === 1 ? 'entry' : 'entries'}`, hint: 'add the missing entries' }];
      if (issue.origin === 'string') return [{ path, message: 'must not be empty', hint: 'write a value' }];
      return [{ path, message: `${describeValue(input)} is too small (at least ${min})`, hint: `use a value of ${min} or more` }];
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      return [{ path, message: `${describeValue(input)} is too big (at most ${max})`, hint: `use a value of ${max} or less` }];
    }
    case 'custom': {
      const hint = (issue.params as { hint?: string } | undefined)?.hint;
      return [{ path, message: issue.message, ...(hint === undefined ? {} : { hint }) }];
    }
    default:
      return [{ path, message: issue.message, hint: 'correct the value' }];
  }
}

// A misspelt required key ("realServer") would also read as a missing one: report only the misspelling.
function withoutMisspeltRequired(schema: unknown, issues: readonly Issue[], findings: Finding[]): Finding[] {
  const meant = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const path = toPath(issue.path);
    const allowed = allowedKeysAt(schema, path);
    for (const key of issue.keys) {
      const match = closestMatch(key, allowed);
      if (match !== undefined) meant.add(formatPath([...path, match]));
    }
  }
  return findings.filter((finding) => !(finding.message.endsWith('" is required') && meant.has(formatPath(finding.path))));
}

/** Validate data against a schema: the typed value, or the findings. */
export function checkSchema<T>(schema: z.ZodType<T>, data: unknown): { ok: true; value: T } | { ok: false; findings: Finding[] } {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues;
  return {
    ok: false,
    findings: withoutMisspeltRequired(
      schema,
      issues,
      issues.flatMap((issue) => findingsFromIssue(schema, issue)),
    ),
  };
}
