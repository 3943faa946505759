// docs/OUTPUT.md documents every event type of src/events/types.ts and each of its fields (issue
// 12 item 5): the event union is read from the source, the doc is parsed by its headings and
// tables, so a new event or field without a line in the doc fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WARNING_CODES } from '../../src/core/warnings.ts';
import { OUTPUT_SCHEMA_VERSION } from '../../src/events/version.ts';
import { documentedEvents, OUTPUT_DOC as doc, sectionFields } from './output-doc.ts';

const source = readFileSync(new URL('../../src/events/types.ts', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The members of one `{ … }` at its top level: `name` of `name: T` / `name?: T`, comments skipped. */
function topLevelKeys(body: string): string[] {
  const text = body.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const keys: string[] = [];
  let depth = 0;
  let atMember = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if ('{[(<'.includes(c)) depth++;
    else if ('}])>'.includes(c) && !(c === '>' && text[i - 1] === '=')) depth--;
    else if (depth === 0 && (c === ';' || c === '\n')) atMember = true;
    else if (depth === 0 && atMember && /[A-Za-z_]/.test(c)) {
      const m = /^([A-Za-z_]\w*)\??\s*:/.exec(text.slice(i));
      if (m) {
        keys.push(m[1] as string);
        i += (m[0] as string).length - 1;
      }
      atMember = false;
    }
  }
  return keys;
}

/** Each variant of the ReleaseEvent union: its `type` and the fields written in its braces. */
function eventVariants(text: string): Map<string, string[]> {
  const start = text.indexOf('export type ReleaseEvent');
  const union = text.slice(text.indexOf('(', start) + 1);
  const variants = new Map<string, string[]>();
  let depth = 0;
  let open = -1;
  for (let i = 0; i < union.length; i++) {
    const c = union[i] as string;
    if (c === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) {
        const keys = topLevelKeys(union.slice(open + 1, i));
        const type = /type:\s*'([a-z-]+)'/.exec(union.slice(open, i))?.[1];
        if (type)
          variants.set(
            type,
            keys.filter((k) => k !== 'type'),
          );
      }
    } else if (c === ';' && depth === 0) break;
  }
  return variants;
}

const variants = eventVariants(source);
const documented = documentedEvents(doc);

describe('docs/OUTPUT.md', () => {
  it('the source parse finds the events (a sanity check of the parser)', () => {
    expect(variants.size).toBeGreaterThanOrEqual(20);
    expect(variants.get('run-finished')).toEqual(['outcome', 'exitCode', 'message']);
    expect(variants.get('warning')).toEqual(expect.arrayContaining(['code', 'message', 'server', 'director', 'details']));
  });

  it.each([...variants.keys()])('documents the event `%s` with a section', (type) => {
    expect([...documented.keys()], `add a "### \`${type}\`" section under "## Events" in docs/OUTPUT.md`).toContain(type);
  });

  it.each([...variants.entries()])('documents every field of `%s`', (type, fields) => {
    const missing = fields.filter((f) => !(documented.get(type) ?? []).includes(f));
    expect(missing, `fields of ${type} missing from its table in docs/OUTPUT.md`).toEqual([]);
  });

  it('documents no event type the source does not have', () => {
    expect([...documented.keys()].filter((t) => !variants.has(t))).toEqual([]);
  });

  it('documents the common fields, the error event and the schema version', () => {
    const common = doc.slice(doc.indexOf('\n## Events'), doc.indexOf('\n### `run-started`'));
    for (const field of ['schemaVersion', 'type', 'at', 'runId']) expect(common).toContain(`| \`${field}\` |`);
    const error = doc.slice(doc.indexOf('\n## The `error` event'), doc.indexOf('\n## Events'));
    for (const field of ['schemaVersion', 'type', 'code', 'message', 'hint', 'details', 'exitCode', 'at']) expect(error).toContain(`| \`${field}\` |`);
    expect(doc).toContain(`"schemaVersion": ${OUTPUT_SCHEMA_VERSION}`);
  });

  it('names the WINDOW_WOULD_REFUSE warning, and the README links the doc', () => {
    expect(Object.keys(WARNING_CODES)).toContain('WINDOW_WOULD_REFUSE');
    expect(doc).toContain('WINDOW_WOULD_REFUSE');
    expect(readme).toContain('docs/OUTPUT.md');
  });

  it('documents each one-document output with its top-level fields', () => {
    for (const [heading, fields] of [
      ['`release validate --json`', ['ok', 'file', 'source', 'cluster', 'pipeline', 'warnings']],
      ['`release windows --json`', ['cluster', 'at', 'trigger', 'timezone', 'allowed', 'blockers', 'nextAllowed', 'nextBlock', 'refusal']],
      ['`release status --json`', ['cluster', 'servers', 'problems', 'warnings', 'lock', 'lastRun']],
      ['`release doctor --json`', ['cluster', 'ok', 'counts', 'findings']],
      ['`release history --json`', ['cluster', 'journal', 'servers', 'releases', 'badReleases', 'runs']],
    ] as const) {
      expect(sectionFields(heading), heading).toEqual(expect.arrayContaining([...fields]));
    }
  });
});
