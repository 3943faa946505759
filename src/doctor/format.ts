// Doctor output: findings grouped by level, one line each with its hint, and the exit status.
import { EXIT } from '../core/errors.ts';
import type { Finding, FindingLevel, FindingSubject } from './types.ts';

const GROUPS: { level: FindingLevel; title: string; mark: string }[] = [
  { level: 'error', title: 'errors', mark: '✖' },
  { level: 'warn', title: 'warnings', mark: '!' },
  { level: 'info', title: 'info', mark: 'i' },
];

/** `lvs1 · TCP 10.0.0.100:80 · web1`, or `cluster` when the finding is about the whole cluster. */
export function describeSubject(subject: FindingSubject): string {
  const parts = [subject.director, subject.service, subject.server].filter((p): p is string => Boolean(p));
  return parts.length > 0 ? parts.join(' · ') : 'cluster';
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The report `release doctor` prints. */
export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'doctor: no problems found\n';
  const lines: string[] = [];
  for (const group of GROUPS) {
    const items = findings.filter((f) => f.level === group.level);
    if (items.length === 0) continue;
    lines.push(`${group.title} (${items.length}):`);
    for (const f of items) lines.push(`  ${group.mark} [${f.id}] ${describeSubject(f.subject)}: ${f.message} — hint: ${f.hint}`);
  }
  const count = (level: FindingLevel) => findings.filter((f) => f.level === level).length;
  lines.push(`doctor: ${plural(count('error'), 'error')}, ${plural(count('warn'), 'warning')}, ${count('info')} info`);
  return `${lines.join('\n')}\n`;
}

/**
 * 0 when no finding is an error; 3 (SPEC "refused / preflight failed": the cluster is not fit to
 * release as it stands) when any is. Warnings and info never change the status.
 */
export function doctorExitCode(findings: readonly Finding[]): 0 | 3 {
  return findings.some((f) => f.level === 'error') ? EXIT.refused : EXIT.ok;
}
