// What every cluster-changing run needs around the engine, without a terminal: the journal sink
// (and its copy on the directors), the SSH sessions (a change waits for the journal on the disk;
// decorated in a dry run), the dry run's
// seams, and the run's dependencies; all closed at the end. The CLI adds its reporter, signals
// and report file around this (src/cli/harness.ts).
import { hostname } from 'node:os';
import { ciJobOf, ciJobUrlOf } from './ci-job.ts';
import { loadConfig } from './config.ts';
import { edgesOf, type Edges } from './edges.ts';
import type { LoadedConfig, RunOptions } from './options.ts';
import { createRunRecorder, settleRun, type RunApiResult } from './result.ts';
import { openClusterSessions } from './sessions.ts';
import type { Cluster } from '../config/types.ts';
import type { Clock } from '../core/clock.ts';
import { dryRunDeps, markRunMode } from '../dry-run/seams.ts';
import type { ReleaseEvent } from '../events/types.ts';
import { copyPath, writeCopyCommand } from '../journal/director-copy.ts';
import { journalPath } from '../journal/journal.ts';
import { openJournalSink, type JournalSink } from '../journal/sink.ts';
import { writeAheadSession } from '../journal/write-ahead.ts';
import { holderGoneOnThisHost } from '../lock/lock.ts';
import { isPidAlive } from '../lock/pid.ts';
import type { ContextDeps } from '../runner/context.ts';
import { dryRunSession } from '../transport/dry-run.ts';
import type { HostSession } from '../transport/types.ts';
import { redactDeep, type Redact } from '../ui/redact.ts';

export interface EngineOptions {
  env: NodeJS.ProcessEnv;
  clock: Clock;
  redact: Redact;
  dryRun?: boolean;
  breakLock?: boolean;
  /** Every event, redacted, once the journal holds it. */
  onEvent?: (event: ReleaseEvent) => void;
  /** Aborted: stop new work (servers in flight finish or roll back and are restored). */
  signal?: AbortSignal;
  onLog?: (line: string) => void;
}

/** The engine options of an API call: its edges (env, clock, redaction, log) and what the call adds. */
export function engineOptionsOf(
  edges: { env: NodeJS.ProcessEnv; clock: Clock; redact: Redact; log: (line: string) => void },
  call: Pick<EngineOptions, 'dryRun' | 'breakLock' | 'onEvent' | 'signal'>,
): EngineOptions {
  return { env: edges.env, clock: edges.clock, redact: edges.redact, onLog: edges.log, ...call };
}

const NEVER = new AbortController().signal;

/**
 * What every session of a run goes through: in a dry run, the decorator that reports changes
 * instead of making them; otherwise the journal's write-ahead (a change waits for the disk).
 */
export function sessionWrapper(input: {
  dryRun: boolean;
  journal: Pick<JournalSink, 'durable'> | undefined;
  reportCommand: (host: string, command: string) => void;
  /** The journal could not be synced (said once by the caller). */
  onNotDurable: (error: unknown) => void;
}): (session: HostSession) => HostSession {
  const { journal, reportCommand } = input;
  if (input.dryRun)
    return (s) => dryRunSession(s, { report: (r) => reportCommand(r.host, r.kind === 'exec' ? r.commandLine : `sftp put ${r.localPath} ${r.remotePath}`) });
  return journal ? (s) => writeAheadSession(s, journal.durable, input.onNotDurable) : (s) => s;
}

export async function withEngine<T>(cluster: Cluster, options: EngineOptions, fn: (deps: ContextDeps) => Promise<T>): Promise<T> {
  const dryRun = Boolean(options.dryRun);
  let closeSessions: (() => Promise<void>) | undefined;
  let opened: Promise<Map<string, HostSession>> | undefined;
  const copyToDirectors = async (copy: Parameters<typeof writeCopyCommand>[1]) => {
    if (!opened) return;
    const sessions = await opened;
    const command = writeCopyCommand(copyPath(cluster.lock.path), copy);
    await Promise.allSettled(cluster.directors.map((d) => sessions.get(d.name)?.exec(command)));
  };
  const path = journalPath(cluster.journalDir, cluster.name);
  // A dry run writes no journal: it changes nothing recover would need.
  const journal: JournalSink | undefined = dryRun
    ? undefined
    : openJournalSink({ path, redact: (event) => redactDeep(event, options.redact), writeCopy: copyToDirectors });
  for (const bad of journal?.invalid.slice(0, 5) ?? []) {
    options.onLog?.(`warning: ${path}:${bad.line} is not a journal event (${bad.problem}); it was skipped.`);
  }
  // The run the engine's own events belong to (the journal-sync warning).
  let runId = 'before-run-started';
  const emit = (event: ReleaseEvent) => {
    if (event.type === 'run-started') runId = event.runId;
    const marked = dryRun ? event : markRunMode(event, false);
    journal?.record(marked);
    options.onEvent?.(redactDeep(marked, options.redact));
  };
  const openWrapped = async (signal: AbortSignal) => {
    const reportCommand = (host: string, command: string) =>
      emit({ type: 'command', host, command, mutates: true, dryRun: true, at: options.clock.now().toISOString(), runId: 'dry-run' });
    let notDurableSaid = false;
    const onNotDurable = (error: unknown) => {
      if (notDurableSaid) return;
      notDurableSaid = true;
      const message = `${error instanceof Error ? error.message : String(error)}; the run goes on (every line is written, a crash of this process loses nothing), but a crash of this machine may lose the journal's last lines: the directors' copy remains`;
      emit({ type: 'warning', code: 'JOURNAL_NOT_SYNCED', message, at: options.clock.now().toISOString(), runId });
    };
    const result = await openClusterSessions(cluster, options.env, signal, sessionWrapper({ dryRun, journal, reportCommand, onNotDurable }));
    closeSessions = result.close;
    return result.sessions;
  };
  try {
    const deps: ContextDeps = {
      clock: options.clock,
      stop: options.signal ?? NEVER,
      breakLock: options.breakLock,
      isLockHolderGone: holderGoneOnThisHost(hostname(), isPidAlive),
      ciJob: ciJobOf(options.env),
      ciJobUrl: ciJobUrlOf(options.env),
      emit,
      openSessions: (signal) => (opened ??= openWrapped(signal)),
      journalEvents: journal ? () => journal.events() : undefined,
    };
    return await fn(dryRun ? dryRunDeps(deps) : deps);
  } finally {
    await journal?.flush();
    journal?.close();
    await closeSessions?.();
  }
}

/**
 * What every undo and continuation of the API shares (rollback, recover, promote, resume, abort):
 * `setup` checks the options and loads the config (`load`) in its own order, then names the
 * cluster and the run; the run goes on the engine, and any error becomes the result's, never a throw.
 */
export function engineCall(
  options: RunOptions,
  setup: (edges: Edges, load: () => Promise<LoadedConfig>) => Promise<{ cluster: Cluster; run: (deps: ContextDeps) => Promise<{ exitCode: number }> }>,
): Promise<RunApiResult> {
  const edges = edgesOf(options);
  const recorder = createRunRecorder(edges.redact, options.onEvent);
  return settleRun(
    recorder,
    async () => {
      const { cluster, run } = await setup(edges, () => loadConfig({ ...options, ...edges, onLog: edges.log }));
      const result = await withEngine(cluster, engineOptionsOf(edges, { breakLock: options.breakLock, onEvent: recorder.emit, signal: options.signal }), run);
      return recorder.ended(result.exitCode);
    },
    () => ({}),
  );
}
