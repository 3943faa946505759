// `{{release}}` in a smoke check's path, body or headers: filled per use, escaped for where it lands.

export type VarContext = 'path' | 'text' | 'pattern';

export type Filled = { ok: true; value: string } | { ok: false; detail: string };

const VAR = /\{\{\s*([\w.-]+)\s*\}\}/g;

function escapeFor(context: VarContext, value: string): string {
  if (context === 'path') return encodeURIComponent(value);
  if (context === 'pattern') return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return value;
}

/** Replaces every `{{name}}` from `vars`; an unknown name is an error value naming it. */
export function fillVars(template: string, vars: Readonly<Record<string, string>>, context: VarContext): Filled {
  const unknown: string[] = [];
  const value = template.replace(VAR, (whole, name: string) => {
    const found = vars[name];
    if (found === undefined) {
      unknown.push(name);
      return whole;
    }
    return escapeFor(context, found);
  });
  if (unknown.length > 0) return { ok: false, detail: `unknown template variable ${unknown.map((n) => `{{${n}}}`).join(', ')}` };
  return { ok: true, value };
}
