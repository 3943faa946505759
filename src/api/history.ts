// `history()`: what `rollback --to` needs, like `kubectl rollout history` and `dep releases`: the
// releases present on each server (`<app.root>/releases/`), which one is current where, the
// releases marked bad, and the runs of the journal (this machine's, or the copy on the directors
// when that is newer or this machine has none). Read-only (every session behind the dry-run chokepoint).
import type { Cluster, RealServer } from '../config/types.ts';
import { isReleaseError } from '../core/errors.ts';
import type { EventOf, ReleaseEvent } from '../events/types.ts';
import { OUTPUT_SCHEMA_VERSION } from '../events/version.ts';
import { journalPath, readJournal } from '../journal/journal.ts';
import { replay, type RunJournalState } from '../journal/replay.ts';
import { readCurrentRelease } from '../runner/preflight.ts';
import { loadJournalState } from '../runner/journal-state.ts';
import type { HostSession, RemoteCommand } from '../transport/types.ts';
import { loadConfig } from './config.ts';
import { edgesOf } from './edges.ts';
import type { CommonOptions } from './options.ts';
import { withReadOnlySessions } from './read-only.ts';

export interface HistoryServer {
  name: string;
  /** What `current` points to (null: no link, or unreadable: see `error`). */
  current: string | null;
  /** Release directories under `<app.root>/releases/`, newest first (by modification time). */
  releases: string[];
  /** Why the server could not be read fully (null when it was). */
  error: string | null;
}

export interface HistoryRelease {
  id: string;
  /** Servers that hold it (what `rollback --to` needs on every server it rolls back). */
  servers: string[];
  /** Servers where it is current. */
  current: string[];
  /** Marked bad by a failed run: `rollback --to` refuses it. */
  bad: boolean;
}

export interface HistoryRun {
  runId: string;
  command: string;
  release: string;
  trigger: string;
  user: string;
  host: string;
  ciJob: string | null;
  startedAt: string;
  /** null: no `run-finished` (still running, or crashed: see `release recover`). */
  finishedAt: string | null;
  outcome: string | null;
  exitCode: number | null;
  /** The run it continues (promote, resume, abort), or null. */
  continues: string | null;
  forcedWindow: string | null;
  /** `local`, or the director whose journal copy it came from (only the last run is kept there). */
  source: string;
}

/** `release history --json`. */
export interface HistoryDocument {
  schemaVersion: typeof OUTPUT_SCHEMA_VERSION;
  command: 'history';
  cluster: string;
  /** Where the journal state came from: `local` (this machine's file at `path`) or a director's copy. */
  journal: { from: string; path: string };
  servers: HistoryServer[];
  /** Every release found on any server, newest first. */
  releases: HistoryRelease[];
  badReleases: string[];
  /** Newest first. */
  runs: HistoryRun[];
}

/** `ls -1tp -- ROOT/releases/`: entries newest first, directories marked with a trailing `/`. Read-only. */
export function listReleasesCommand(root: string | undefined): RemoteCommand {
  return { argv: ['ls', '-1tp', '--', `${root ?? '.'}/releases/`], mutates: false, timeoutMs: 15_000, label: 'list releases' };
}

/** The release ids of an `ls -1tp` listing: directories only, without unpacking leftovers or hidden entries. */
export function parseReleaseListing(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.endsWith('/'))
    .map((line) => line.slice(0, -1))
    .filter((name) => name !== '' && !name.startsWith('.') && !name.endsWith('.partial'));
}

async function readServer(session: HostSession, server: RealServer, signal: AbortSignal | undefined): Promise<HistoryServer> {
  const errors: string[] = [];
  const current = await readCurrentRelease(session, server.app.root, signal).catch((error: unknown) => {
    errors.push(isReleaseError(error) ? error.message : String(error));
    return null;
  });
  const listed = await session.exec(listReleasesCommand(server.app.root), signal ? { signal } : {});
  const missing = /No such file or directory/.test(listed.stderr);
  if (!listed.ok)
    errors.push(
      missing
        ? `no releases directory (${server.app.root ?? '.'}/releases)`
        : `listing releases failed: ${listed.stderr.trim() || listed.error || `exit ${listed.exitCode}`}`,
    );
  return { name: server.name, current, releases: listed.ok ? parseReleaseListing(listed.stdout) : [], error: errors.length > 0 ? errors.join('; ') : null };
}

/** The runs of a journal, newest first: one per `run-started`, finished by its `run-finished`. */
export function runsOf(events: readonly ReleaseEvent[], source = 'local'): HistoryRun[] {
  const runs = new Map<string, HistoryRun>();
  for (const event of events) {
    if (event.type === 'run-started') runs.set(event.runId, startedRun(event, source));
    if (event.type === 'run-finished') {
      const run = runs.get(event.runId);
      if (run) Object.assign(run, { finishedAt: event.at, outcome: event.outcome, exitCode: event.exitCode });
    }
  }
  return [...runs.values()].reverse();
}

function startedRun(event: EventOf<'run-started'>, source: string): HistoryRun {
  return {
    runId: event.runId,
    command: event.command,
    release: event.release,
    trigger: event.trigger,
    user: event.user,
    host: event.host,
    ciJob: event.ciJob ?? null,
    startedAt: event.at,
    finishedAt: null,
    outcome: null,
    exitCode: null,
    continues: event.continues ?? null,
    forcedWindow: event.forcedWindow?.reason ?? null,
    source,
  };
}

/** The last run as a director's copy knows it (the copy keeps the state, not the events). */
function copyRun(state: RunJournalState, from: string): HistoryRun | undefined {
  const first = state.firstRun;
  if (!state.runId || !first) return undefined;
  const run = startedRun({ ...first, runId: state.runId, command: (state.command ?? first.command) as EventOf<'run-started'>['command'] }, from);
  return {
    ...run,
    startedAt: state.runId === first.runId ? first.at : (state.updatedAt ?? first.at),
    finishedAt: state.finished ? (state.updatedAt ?? null) : null,
    outcome: state.outcome ?? (state.paused ? 'paused' : null),
  };
}

/** Every release of every server, newest first (by its best position in the servers' listings). */
export function aggregateReleases(servers: readonly HistoryServer[], bad: ReadonlySet<string>): HistoryRelease[] {
  const rank = new Map<string, number>();
  for (const s of servers) {
    const ids = s.current && !s.releases.includes(s.current) ? [s.current, ...s.releases] : s.releases;
    for (const [i, id] of ids.entries()) rank.set(id, Math.min(rank.get(id) ?? Number.POSITIVE_INFINITY, i));
  }
  return [...rank.entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([id]) => ({
      id,
      servers: servers.filter((s) => s.releases.includes(id)).map((s) => s.name),
      current: servers.filter((s) => s.current === id).map((s) => s.name),
      bad: bad.has(id),
    }));
}

async function historyOf(cluster: Cluster, env: NodeJS.ProcessEnv, signal: AbortSignal | undefined): Promise<HistoryDocument> {
  const path = journalPath(cluster.journalDir, cluster.name);
  const events = readJournal(path);
  return withReadOnlySessions(cluster, env, signal, async (session) => {
    const directors = cluster.directors.map((d) => ({ name: d.name, session: session(d.name) }));
    const [servers, loaded] = await Promise.all([
      Promise.all(cluster.realServers.map((s) => readServer(session(s.name), s, signal))),
      loadJournalState({ cluster, directors, events: () => events, ...(signal ? { signal } : {}) }),
    ]);
    const runs = runsOf(events);
    if (loaded.from !== 'local') {
      const last = copyRun(loaded.state, loaded.from);
      if (last && !runs.some((r) => r.runId === last.runId)) runs.unshift(last);
    }
    const badReleases = [...new Set([...replay(events).badReleases, ...loaded.state.badReleases])];
    return {
      schemaVersion: OUTPUT_SCHEMA_VERSION,
      command: 'history',
      cluster: cluster.name,
      journal: { from: loaded.from, path },
      servers,
      releases: aggregateReleases(servers, new Set(badReleases)),
      badReleases,
      runs,
    };
  });
}

export async function history(options: CommonOptions = {}): Promise<HistoryDocument> {
  const edges = edgesOf(options);
  const { cluster } = await loadConfig({ ...options, ...edges, onLog: edges.log });
  return historyOf(cluster, edges.env, options.signal);
}
