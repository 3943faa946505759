// `release status`: the pool on every director, each server's release, and the journal's last
// run. Read-only: sessions are wrapped by the dry-run chokepoint, so nothing can change.
import { join } from 'node:path';
import { EXIT } from '../../core/errors.ts';
import { readJournal } from '../../journal/journal.ts';
import { replay } from '../../journal/replay.ts';
import { formatEndpoint } from '../../ipvs/address.ts';
import { runPreflight } from '../../runner/preflight.ts';
import { dryRunSession } from '../../transport/dry-run.ts';
import { describeOwner, readLockHolders } from '../../lock/lock.ts';
import { writeLine, type CliIo } from '../io.ts';
import { openClusterSessions } from '../sessions.ts';
import { loadConfigOrThrow } from './config.ts';
import { systemClock } from '../../core/clock.ts';
import { createDirectorTables } from '../../lb/director-tables.ts';

export function journalPath(journalDir: string, cluster: string): string {
  return join(journalDir, `${cluster}.journal.ndjson`);
}

export async function statusCommand(io: CliIo, options: { config: string; json?: boolean }): Promise<number> {
  const { cluster, pipeline } = await loadConfigOrThrow(io, options.config);
  const controller = new AbortController();
  const opened = await openClusterSessions(cluster, io.env, controller.signal, (s) =>
    dryRunSession(s, { report: () => {} }),
  );
  try {
    const session = (name: string) => opened.sessions.get(name) as NonNullable<ReturnType<typeof opened.sessions.get>>;
    const directors = cluster.directors.map((d) => ({ name: d.name, session: session(d.name) }));
    const sudo = cluster.directors.some((d) => d.ssh.sudo);
    // The same reader as a run: one exec per director for the tables.
    const tables = createDirectorTables({ directors, sudo, commandTimeoutMs: 15_000, persistentConn: () => false, minReadIntervalMs: 0, confirmPollMs: 500, clock: systemClock });
    const preflight = await runPreflight({
      cluster,
      pipeline,
      directors,
      tables,
      servers: cluster.realServers.map((s) => ({ name: s.name, session: session(s.name), root: s.app.root })),
      sudo,
      keepalivedManaged: new Set(cluster.directors.filter((d) => d.keepalived).map((d) => d.name)),
    });
    const journal = replay(readJournal(journalPath(cluster.journalDir, cluster.name)));
    const holders = await readLockHolders(cluster.directors.map((d) => ({ name: d.name, session: session(d.name) })), cluster.lock);
    const lock = holders.map((h) => ({ director: h.director, holder: describeOwner(h.owner), heartbeatAgeMs: h.heartbeatAgeMs, stale: h.heartbeatAgeMs > cluster.lock.staleAfterMs }));
    if (options.json) {
      writeLine(io.stdout, JSON.stringify({
        cluster: cluster.name,
        servers: preflight.pool.servers.map((s) => ({
          name: s.server,
          inPool: s.inPool,
          reason: s.reason ?? null,
          release: preflight.releases.get(s.server) ?? null,
          slots: s.slots.map((slot) => ({ director: slot.director, service: slot.label, weight: slot.dest?.weight ?? null, active: slot.dest?.activeConns ?? 0, inactive: slot.dest?.inactiveConns ?? 0 })),
        })),
        problems: preflight.pool.problems,
        lock,
        lastRun: journal.runId ? { runId: journal.runId, release: journal.release, outcome: journal.outcome, finished: journal.finished, paused: journal.paused } : null,
      }));
      return EXIT.ok;
    }
    writeLine(io.stdout, `cluster ${cluster.name}: ${preflight.pool.servers.filter((s) => s.inPool).length}/${cluster.realServers.length} servers in the pool`);
    for (const s of preflight.pool.servers) {
      const slots = s.slots
        .map((slot) => `${slot.director} ${slot.label} ${slot.dest ? `${formatEndpoint(slot.dest)} ${slot.dest.forward} w=${slot.dest.weight} act=${slot.dest.activeConns} inact=${slot.dest.inactiveConns}` : 'absent'}`)
        .join('; ');
      writeLine(io.stdout, `  ${s.inPool ? 'in ' : 'OUT'} ${s.server.padEnd(12)} release ${preflight.releases.get(s.server) ?? '-'}  ${s.reason ? `(${s.reason}) ` : ''}${slots}`);
    }
    for (const p of preflight.pool.problems) writeLine(io.stdout, `  problem: ${p}`);
    for (const w of preflight.warnings) writeLine(io.stdout, `  warning: ${w.message}`);
    writeLine(io.stdout, lock.length === 0 ? 'lock: free' : lock.map((l) => `lock on ${l.director}: held by ${l.holder}, heartbeat ${Math.round(l.heartbeatAgeMs / 1000)}s ago${l.stale ? ' (STALE: --break-lock)' : ''}`).join('\n'));
    if (journal.runId) {
      writeLine(io.stdout, `last run ${journal.runId}: release ${journal.release}, ${journal.finished ? `finished: ${journal.outcome}` : journal.paused ? `paused (${journal.paused.reason})` : 'NOT finished (crashed or running): see `release recover`'}`);
    }
    return EXIT.ok;
  } finally {
    await opened.close();
  }
}
