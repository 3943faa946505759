// `release history`: the releases on each server, which is current where, the ones marked bad,
// and the journal's runs: what `release rollback --to ID` needs.
import { history, type HistoryDocument, type HistoryRun } from '../../api/history.ts';
import { EXIT } from '../../core/errors.ts';
import { formatDuration } from '../../windows/format.ts';
import { writeLine, type CliIo } from '../io.ts';

/** Runs shown to a person; `--json` lists every one. */
const RUNS_SHOWN = 20;

function runLine(run: HistoryRun): string {
  const took = run.finishedAt ? ` in ${formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}` : '';
  const end =
    run.outcome === null
      ? 'NOT finished (crashed or running: see `release recover`)'
      : `${run.outcome}${run.exitCode === null ? '' : ` (exit ${run.exitCode})`}${took}`;
  const who = `${run.user}@${run.host}${run.ciJob ? ` job ${run.ciJob}` : ''}`;
  const extra = [run.forcedWindow ? `forced window: ${run.forcedWindow}` : '', run.source !== 'local' ? `from the copy on ${run.source}` : '']
    .filter(Boolean)
    .join('; ');
  return `  ${run.startedAt}  ${run.command.padEnd(8)} ${run.release}  ${end}  by ${who} (${run.trigger})  ${run.runId}${extra ? `  [${extra}]` : ''}`;
}

export function formatHistory(doc: HistoryDocument): string[] {
  const width = Math.max(4, ...doc.servers.map((s) => s.name.length));
  const lines = [`cluster ${doc.cluster}: releases on each server, newest first (* current, ! marked bad)`];
  for (const s of doc.servers) {
    const ids = s.releases.map((id) => `${s.current === id ? '*' : ''}${doc.badReleases.includes(id) ? '!' : ''}${id}`);
    if (s.current && !s.releases.includes(s.current)) ids.unshift(`*${s.current} (not in releases/)`);
    lines.push(`  ${s.name.padEnd(width)}  ${ids.join('  ') || '-'}${s.error ? `  (${s.error})` : ''}`);
  }
  if (doc.releases.length > 0) {
    lines.push('releases:');
    for (const r of doc.releases) {
      const where = r.current.length > 0 ? `current on ${r.current.join(', ')}; ` : '';
      const on = r.servers.length === doc.servers.length ? 'on every server' : `on ${r.servers.join(', ') || 'no server'}`;
      lines.push(`  ${r.id}  ${where}${on}${r.bad ? '  BAD: marked by a failed run, `release rollback --to` refuses it' : ''}`);
    }
  }
  const source =
    doc.journal.from === 'local' ? `this machine's journal, ${doc.journal.path}` : `the journal's copy on ${doc.journal.from} (newer than this machine's)`;
  lines.push(doc.runs.length === 0 ? `runs: none recorded (${source})` : `runs, newest first (${source}):`);
  for (const run of doc.runs.slice(0, RUNS_SHOWN)) lines.push(runLine(run));
  if (doc.runs.length > RUNS_SHOWN) lines.push(`  … and ${doc.runs.length - RUNS_SHOWN} older runs (\`release history --json\` lists every one)`);
  const target = doc.releases.find((r) => r.current.length === 0 && !r.bad && r.servers.length === doc.servers.length);
  if (target) lines.push(`roll back with \`release rollback --to ${target.id}\` (a release every server holds).`);
  return lines;
}

export async function historyCommand(io: CliIo, options: { config?: string; json?: boolean }): Promise<number> {
  const doc = await history({ config: options.config, cwd: io.cwd, env: io.env, onLog: (line) => writeLine(io.stderr, line) });
  if (options.json) writeLine(io.stdout, JSON.stringify(doc));
  else for (const line of formatHistory(doc)) writeLine(io.stdout, line);
  return EXIT.ok;
}
