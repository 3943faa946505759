// Pure: the directors' execs named by what they do, from the scripts the lab received.
import type { LabTraceData } from '../src/lab/trace.ts';
import { median } from './analyze.ts';

/** What a director exec does, from its script (the engine's commands as the lab received them). */
export function directorExecKind(command: string): string {
  const body = command.replace(/^export [A-Z_]+=\S*\n/, '');
  if (/lab\.journal\.json\.tmp/.test(body)) return 'journal copy';
  if (/\.lock\b/.test(body)) return 'lock';
  if (/^(sudo -n )?ipvsadm -L -n -c\b/.test(body)) return 'connection counts (-L -n -c | awk)';
  if (/^(sudo -n )?ipvsadm -e .* -w 0\b/.test(body)) return 'quiesce (+ confirming read)';
  if (/^(sudo -n )?ipvsadm -d\b/.test(body)) return 'delete (+ confirming read)';
  if (/^(sudo -n )?ipvsadm -a\b/.test(body)) return 're-add (+ confirming read)';
  if (/^(sudo -n )?ipvsadm -L -n\b/.test(body)) return 'table read (-L -n, --thresholds)';
  return 'other (preflight: ip, sysctl, keepalived.conf, journal read)';
}

export interface ExecKind {
  kind: string;
  count: number;
  /** Median request → channel closed, as the lab saw it. */
  medianMs: number;
  /** ipvsadm invocations in these scripts, all told. */
  ipvsadmCalls: number;
}

/** The directors' execs by kind, most frequent first. */
export function directorExecKinds(execs: LabTraceData['execs'], directors: readonly string[]): ExecKind[] {
  const kinds = new Map<string, { ms: number[]; calls: number }>();
  for (const e of execs) {
    if (!directors.includes(e.host)) continue;
    const k = directorExecKind(e.command);
    const entry = kinds.get(k) ?? { ms: [], calls: 0 };
    entry.ms.push(e.to - e.from);
    entry.calls += (e.command.match(/(^|\n)(sudo -n )?ipvsadm /g) ?? []).length;
    kinds.set(k, entry);
  }
  return [...kinds].map(([kind, v]) => ({ kind, count: v.ms.length, medianMs: median(v.ms), ipvsadmCalls: v.calls })).sort((a, b) => b.count - a.count);
}
