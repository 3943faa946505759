// The summary people read at the end of a run: a heading, an aligned table per server, then what needs attention.

import { formatMs } from './units.ts';
import { listNames } from './format.ts';
import type { RunSummary, ServerSummary, ServerSummaryOutcome } from './summary.ts';

const OUTCOME_WORDS: Record<ServerSummaryOutcome, string> = {
  released: 'released',
  'rolled-back': 'rolled back',
  'rollback-failed': 'ROLLBACK FAILED',
  skipped: 'skipped',
  unchanged: 'unchanged',
  interrupted: 'interrupted',
  restored: 'put back',
  'restore-failed': 'RESTORE FAILED',
  'not-started': 'not started',
  unfinished: 'unfinished',
};

const NOTE_LIMIT = 100;

/** Columns padded to their widest cell; the last column is left ragged. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function note(server: ServerSummary): string {
  if (server.failedStep === undefined && server.error === undefined) return '';
  const text = `${server.failedStep ?? 'failed'}: ${server.error ?? 'no detail'}`.replace(/\s*\r?\n\s*/g, ' | ');
  return text.length > NOTE_LIMIT ? `${text.slice(0, NOTE_LIMIT - 1)}…` : text;
}

function heading(summary: RunSummary): string {
  const what = `${summary.command ?? 'run'} ${summary.release ?? ''}`.trimEnd();
  const where = summary.cluster ? ` on ${summary.cluster}` : '';
  const outcome = summary.outcome === 'unfinished' ? 'unfinished' : summary.outcome.replace('-', ' ');
  const exit = summary.exitCode === null ? '' : ` (exit ${summary.exitCode})`;
  const took = summary.durationMs === null ? '' : ` in ${formatMs(summary.durationMs)}`;
  return `${summary.dryRun ? '[dry run] ' : ''}${what}${where}: ${outcome}${exit}${took}`;
}

/** A plain-text summary: heading, forced window, per-server table, batches, marked-bad releases, warnings. */
export function formatSummaryTable(summary: RunSummary): string {
  const lines = [heading(summary)];
  if (summary.message) lines.push(summary.message);
  if (summary.forcedWindow) {
    const blockers = summary.forcedWindow.blockers.join(', ') || 'nothing';
    lines.push(`peak window forced: "${summary.forcedWindow.reason}" (blocked by ${blockers})`);
  }
  if (summary.servers.length > 0) {
    const rows = [['server', 'outcome', 'before', 'after', 'out of pool', 'drain', 'failed at']];
    for (const s of summary.servers) {
      const touched = s.outcome !== 'not-started';
      rows.push([
        s.server,
        OUTCOME_WORDS[s.outcome] ?? s.outcome,
        s.releaseBefore ?? '-',
        s.releaseAfter ?? '-',
        touched ? formatMs(s.outOfPoolMs) : '-',
        touched ? formatMs(s.drainMs) : '-',
        note(s),
      ]);
    }
    lines.push('', ...alignColumns(rows));
  }
  if (summary.batches.length > 0) {
    lines.push('');
    for (const b of summary.batches) {
      const state = b.ok === null ? 'unfinished' : b.ok ? 'ok' : 'FAILED';
      const took = b.durationMs === null ? '' : ` in ${formatMs(b.durationMs)}`;
      lines.push(`${b.purpose === 'rollback' ? 'rollback ' : ''}batch ${b.index + 1}: ${state}${took} (${listNames(b.servers)})`);
    }
  }
  for (const bad of summary.markedBad) lines.push(`release ${bad.release} marked bad on ${bad.server}`);
  if (summary.paused) lines.push(`paused (${summary.paused.reason}): continue with ${summary.paused.resumeWith}`);
  if (summary.warnings.length > 0) {
    lines.push('', `${summary.warnings.length} warning${summary.warnings.length === 1 ? '' : 's'}:`);
    for (const w of summary.warnings) {
      const about = w.server ?? w.director;
      lines.push(`  ${w.code}${about ? ` ${about}` : ''}: ${w.message}`);
    }
  }
  return lines.join('\n');
}
