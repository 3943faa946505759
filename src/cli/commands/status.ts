// `release status`: the pool on every director, each server's release, the lock and the journal's
// last run, from the API's read-only `status()`.
import { status, type StatusDocument } from '../../api/status.ts';
import { EXIT } from '../../core/errors.ts';
import { describePause } from '../../journal/continuation.ts';
import { writeLine, type CliIo } from '../io.ts';

export { journalPath } from '../../journal/journal.ts';

function formatStatus(doc: StatusDocument, configured: number): string[] {
  const lines = [`cluster ${doc.cluster}: ${doc.servers.filter((s) => s.inPool).length}/${configured} servers in the pool`];
  for (const s of doc.servers) {
    const slots = s.slots
      .map(
        (slot) =>
          `${slot.director} ${slot.service} ${slot.address !== null ? `${slot.address} ${slot.forward} w=${slot.weight} act=${slot.active} inact=${slot.inactive}` : 'absent'}`,
      )
      .join('; ');
    lines.push(`  ${s.inPool ? 'in ' : 'OUT'} ${s.name.padEnd(12)} release ${s.release ?? '-'}  ${s.reason ? `(${s.reason}) ` : ''}${slots}`);
  }
  for (const v of doc.vips)
    lines.push(
      `  vip ${v.vip}: ${v.holders.length === 0 ? 'held by no director' : `held by ${v.holders.join(' and ')}`}${v.holders.length > 1 ? ' (SPLIT BRAIN)' : ''}${v.unknown.length > 0 ? ` (not read on ${v.unknown.join(', ')})` : ''}`,
    );
  for (const p of doc.problems) lines.push(`  problem: ${p}`);
  for (const r of doc.refusals) lines.push(`  problem: ${r.message} (fix: ${r.hint})`);
  for (const w of doc.warnings) lines.push(`  warning: ${w.message}`);
  lines.push(
    doc.lock.length === 0
      ? 'lock: free'
      : doc.lock
          .map(
            (l) =>
              `lock on ${l.director}: held by ${l.holder}, heartbeat ${Math.round(l.heartbeatAgeMs / 1000)}s ago${l.stale ? ' (STALE: --break-lock)' : ''}`,
          )
          .join('\n'),
  );
  const run = doc.lastRun;
  if (run) {
    // A pause first (a paused run is finished too): what paused it, which CI job, and what continues it.
    const paused = run.paused
      ? `${describePause(run.paused)}: continue with ${run.paused.resumeWith ?? (run.paused.reason === 'canary' ? 'release promote | release abort' : 'release resume')}`
      : undefined;
    const from = run.from === 'local' ? '' : ` (from the journal's copy on ${run.from})`;
    lines.push(
      `last run ${run.runId}${from}: release ${run.release}, ${paused ?? (run.finished ? `finished: ${run.outcome}` : 'NOT finished (crashed or running): see `release recover`')}`,
    );
  }
  return lines;
}

export async function statusCommand(io: CliIo, options: { config?: string; json?: boolean }): Promise<number> {
  const doc = await status({ config: options.config, cwd: io.cwd, env: io.env, onLog: (line) => writeLine(io.stderr, line) });
  if (options.json) writeLine(io.stdout, JSON.stringify(doc));
  else for (const line of formatStatus(doc, doc.servers.length)) writeLine(io.stdout, line);
  return EXIT.ok;
}
