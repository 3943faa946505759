// A tolerant keepalived.conf reader (LVS.md §5.1, §5.7): never throws; what keepalived would
// complain about comes back as diagnostics with keepalived's own wording and line numbers.
import { lexKeepalived, type LexOptions } from './lexer.ts';
import { buildConfig } from './model.ts';
import { buildTree } from './tree.ts';
import type { KeepalivedDiagnostic, ParsedKeepalived } from './types.ts';
import { findUnclosedBlocks } from './unclosed.ts';

const MISSING = /^There are (\d+) missing/;

// keepalived's handlers report these while reading values; the ones that matter for a release.
function deprecations(parsed: ParsedKeepalived['config']): KeepalivedDiagnostic[] {
  return parsed.virtualServers.flatMap((vs) =>
    vs.realServers.flatMap((rs) =>
      rs.checkers
        .filter((c) => c.nbGetRetry)
        .map((c) => ({ severity: 'error' as const, line: c.line, message: "nb_get_retry is deprecated - please use 'retry'" })),
    ),
  );
}

function byLine(a: KeepalivedDiagnostic, b: KeepalivedDiagnostic): number {
  return (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER);
}

/** Parse keepalived.conf text: the model keepalived would run, plus its diagnostics in line order. */
export function parseKeepalivedConf(text: string, options: LexOptions = {}): ParsedKeepalived {
  const lexed = lexKeepalived(text, options);
  const tree = buildTree(lexed.lines);
  const config = buildConfig(tree.nodes);
  const missing = Number(lexed.diagnostics.map((d) => MISSING.exec(d.message)?.[1]).find((n) => n !== undefined) ?? 0);
  const diagnostics = [...lexed.diagnostics, ...tree.diagnostics, ...deprecations(config), ...findUnclosedBlocks(lexed.lines, missing)];
  return { config, diagnostics: diagnostics.sort(byLine) };
}

/** `(Line N) message`, as keepalived prints it (no prefix without a line). */
export function formatDiagnostic(d: KeepalivedDiagnostic): string {
  return d.line === undefined ? d.message : `(Line ${d.line}) ${d.message}`;
}

/** True when keepalived itself would report a configuration error. */
export function hasConfigErrors(parsed: ParsedKeepalived): boolean {
  return parsed.diagnostics.some((d) => d.severity === 'error');
}
