// `status()`: the pool on every director, each server's release, the lock and the journal's last
// run. Read-only (every session behind the dry-run chokepoint).
import { OUTPUT_SCHEMA_VERSION } from '../events/version.ts';
import { formatEndpoint } from '../ipvs/address.ts';
import type { PausedRun } from '../journal/replay.ts';
import { createDirectorTables } from '../lb/director-tables.ts';
import { describeOwner, readLockHolders } from '../lock/lock.ts';
import { loadJournalState } from '../runner/journal-state.ts';
import { runPreflight } from '../runner/preflight.ts';
import { loadConfig } from './config.ts';
import { edgesOf } from './edges.ts';
import type { CommonOptions } from './options.ts';
import { withReadOnlySessions } from './read-only.ts';

export interface StatusServer {
  name: string;
  inPool: boolean;
  /** Why it is out of the pool (null when in). */
  reason: string | null;
  /** What `current` points to (null: none, or unreadable). */
  release: string | null;
  /** One entry per director and service: the destination's weight (null: absent) and connections. */
  slots: { director: string; service: string; weight: number | null; active: number; inactive: number; address: string | null; forward: string | null }[];
}

/** `release status --json`. */
export interface StatusDocument {
  schemaVersion: typeof OUTPUT_SCHEMA_VERSION;
  command: 'status';
  cluster: string;
  servers: StatusServer[];
  /** Tables that do not match the cluster file (a service missing on a director …). */
  problems: string[];
  warnings: { code: string; message: string }[];
  /** Which director holds each VIP (`ip -o addr show` on each): one is right, two is split brain, none nobody receives it; `unknown`: not read there. */
  vips: { vip: string; holders: string[]; unknown: string[] }[];
  /** What would refuse a release now (exit 3): a DR server without the lo VIP, ARP not suppressed, split brain, keepalived… */
  refusals: { message: string; hint: string }[];
  /** The cluster lock on each director that holds it ([]: free). */
  lock: { director: string; holder: string; heartbeatAgeMs: number; stale: boolean }[];
  /** The journal's last run (null: none): this machine's journal, or the directors' copy when newer (`from`: 'local' or
   * that director), so a CI job on another runner sees a canary another job paused, and who paused it (`paused.ciJob`). */
  lastRun: { runId: string; release: string | null; outcome: string | null; finished: boolean; paused: PausedRun | null; from: string } | null;
}

export async function status(options: CommonOptions = {}): Promise<StatusDocument> {
  const edges = edgesOf(options);
  const { cluster, pipeline } = await loadConfig({ ...options, ...edges, onLog: edges.log });
  return withReadOnlySessions(cluster, edges.env, options.signal, async (session) => {
    const directors = cluster.directors.map((d) => ({ name: d.name, session: session(d.name) }));
    const sudo = cluster.directors.some((d) => d.ssh.sudo);
    // The same reader as a run: one exec per director for the tables.
    const tables = createDirectorTables({
      directors,
      sudo,
      commandTimeoutMs: 15_000,
      persistentConn: () => false,
      minReadIntervalMs: 0,
      confirmPollMs: 500,
      clock: edges.clock,
    });
    const preflight = await runPreflight({
      cluster,
      pipeline,
      directors,
      tables,
      servers: cluster.realServers.map((s) => ({ name: s.name, session: session(s.name), root: s.app.root })),
      sudo,
      keepalivedManaged: new Set(cluster.directors.filter((d) => d.keepalived).map((d) => d.name)),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const loaded = await loadJournalState({ cluster, directors, ...(options.signal ? { signal: options.signal } : {}) });
    const journal = loaded.state;
    const holders = await readLockHolders(directors, cluster.lock);
    return {
      schemaVersion: OUTPUT_SCHEMA_VERSION,
      command: 'status',
      cluster: cluster.name,
      servers: preflight.pool.servers.map((s) => ({
        name: s.server,
        inPool: s.inPool,
        reason: s.reason ?? null,
        release: preflight.releases.get(s.server) ?? null,
        slots: s.slots.map((slot) => ({
          director: slot.director,
          service: slot.label,
          weight: slot.dest?.weight ?? null,
          active: slot.dest?.activeConns ?? 0,
          inactive: slot.dest?.inactiveConns ?? 0,
          address: slot.dest ? formatEndpoint(slot.dest) : null,
          forward: slot.dest?.forward ?? null,
        })),
      })),
      problems: preflight.pool.problems,
      warnings: preflight.warnings.map((w) => ({ code: w.code, message: w.message })),
      vips: preflight.network.holdings.map((h) => ({ vip: h.vip, holders: h.holders.map((x) => x.director), unknown: h.unknown })),
      refusals: preflight.refusals,
      lock: holders.map((h) => ({
        director: h.director,
        holder: describeOwner(h.owner),
        heartbeatAgeMs: h.heartbeatAgeMs,
        stale: h.heartbeatAgeMs > cluster.lock.staleAfterMs,
      })),
      lastRun: journal.runId
        ? { runId: journal.runId, release: journal.release, outcome: journal.outcome, finished: journal.finished, paused: journal.paused, from: loaded.from }
        : null,
    };
  });
}
