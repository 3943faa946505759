// Reads docs/OUTPUT.md: the fields each section's table lists (first column), so tests can hold
// the real output to what the doc says.
import { readFileSync } from 'node:fs';

export const OUTPUT_DOC = readFileSync(new URL('../../docs/OUTPUT.md', import.meta.url), 'utf8');

/** The first-column fields (`a`, or `a`, `b` in one cell) of the table under `### heading`. */
export function sectionFields(heading: string, markdown = OUTPUT_DOC): string[] {
  const at = markdown.indexOf(`\n### ${heading}\n`);
  if (at < 0) throw new Error(`docs/OUTPUT.md has no section "### ${heading}"`);
  const next = markdown.indexOf('\n#', at + 1);
  const section = markdown.slice(at, next < 0 ? undefined : next);
  return [...section.matchAll(/^\| `([^|]+)` \|/gm)].flatMap((m) => (m[1] as string).split(/`, `/));
}

/** The `### \`type\`` sections under "## Events", each with its fields. */
export function documentedEvents(markdown = OUTPUT_DOC): Map<string, string[]> {
  const start = markdown.indexOf('\n## Events');
  const events = markdown.slice(start, markdown.indexOf('\n## ', start + 1));
  const sections = new Map<string, string[]>();
  for (const name of [...events.matchAll(/^### `([a-z-]+)`$/gm)].map((m) => m[1] as string)) sections.set(name, sectionFields(`\`${name}\``, events));
  return sections;
}
