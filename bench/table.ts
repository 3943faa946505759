// A plain text table: columns padded to their widest cell, numbers right-aligned.

export type Cell = string | number;

const show = (c: Cell) => (typeof c === 'number' ? (Number.isFinite(c) ? (Number.isInteger(c) ? String(c) : c.toFixed(1)) : '-') : c);

export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string[] {
  const text = [headers.map(String), ...rows.map((r) => r.map(show))];
  const widths = headers.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(text[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...text.slice(1).map(line)];
}
