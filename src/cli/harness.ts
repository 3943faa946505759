// What every cluster-changing command runs inside, wired here and nowhere else: the reporter
// (TTY tree, CI log or NDJSON), the journal sink, interruption handling, the SSH sessions (dry
// run: decorated), the dry run's seams, and the report file; all closed at the end.
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Cluster } from '../config/types.ts';
import { systemClock } from '../core/clock.ts';
import { EXIT } from '../core/errors.ts';
import { dryRunDeps, markRunMode } from '../dry-run/seams.ts';
import type { ReleaseEvent } from '../events/types.ts';
import { copyPath, writeCopyCommand } from '../journal/director-copy.ts';
import { journalPath } from '../journal/journal.ts';
import { openJournalSink, type JournalSink } from '../journal/sink.ts';
import { holderGoneOnThisHost } from '../lock/lock.ts';
import { isPidAlive } from '../lock/pid.ts';
import type { ContextDeps } from '../runner/context.ts';
import { dryRunSession } from '../transport/dry-run.ts';
import type { HostSession } from '../transport/types.ts';
import { redactDeep, secretsOf } from '../ui/redact.ts';
import { checkReportPath, writeReportFile } from '../ui/report-file.ts';
import { createReporter, type Reporter } from '../ui/reporter.ts';
import { ciJobOf } from './ci-job.ts';
import { writeLine, type CliIo } from './io.ts';
import { openClusterSessions } from './sessions.ts';
import { watchInterrupts } from './signals.ts';

export { checkReportPath } from '../ui/report-file.ts';

export interface HarnessOptions {
  json?: boolean;
  report?: string;
  dryRun?: boolean;
  /** Force the plain log (a TTY prompt cannot share the screen with the task tree). */
  plain?: boolean;
  breakLock?: boolean;
}

export interface Harness {
  deps: ContextDeps;
  reporter: Reporter;
  io: CliIo;
}

/** Names the servers a failed rollback left out of the pool, on stderr too: CI logs often show only that. */
function nameStuckServers(io: CliIo, reporter: Reporter): void {
  for (const s of reporter.summary().servers.filter((x) => x.outcome === 'rollback-failed' || x.outcome === 'restore-failed')) {
    writeLine(io.stderr, `✖ ROLLBACK_FAILED ${s.server} is left out of the pool (${s.failedStep ?? 'unknown step'}: ${s.error ?? 'no detail'}).`);
  }
  writeLine(io.stderr, '  hint: fix the server named above, then run `release recover` to verify it and put it back.');
}

export async function withHarness(io: CliIo, cluster: Cluster, options: HarnessOptions, fn: (harness: Harness) => Promise<number>): Promise<number> {
  const dryRun = Boolean(options.dryRun);
  const reportPath = options.report ? resolve(io.cwd, options.report) : undefined;
  if (reportPath) checkReportPath(reportPath);
  const interrupts = watchInterrupts(io, () => {
    // biome-ignore lint/nursery/noProcessExit: a second Ctrl-C means "exit at once"; the journal already holds what recover needs.
    process.exit(EXIT.interrupted);
  });
  const reporter = createReporter({ mode: options.json ? 'json' : options.plain ? 'plain' : 'auto', stdout: io.stdout, stderr: io.stderr, env: io.env, secrets: secretsOf(io.env) });
  let closeSessions: (() => Promise<void>) | undefined;
  let opened: Promise<Map<string, HostSession>> | undefined;
  const copyToDirectors = async (copy: Parameters<typeof writeCopyCommand>[1]) => {
    if (!opened) return;
    const sessions = await opened;
    const command = writeCopyCommand(copyPath(cluster.lock.path), copy);
    await Promise.allSettled(cluster.directors.map((d) => sessions.get(d.name)?.exec(command)));
  };
  // A dry run writes no journal: it changes nothing recover would need.
  const journal: JournalSink | undefined = dryRun
    ? undefined
    : openJournalSink({ path: journalPath(cluster.journalDir, cluster.name), redact: (event) => redactDeep(event, reporter.redact), writeCopy: copyToDirectors });
  for (const bad of journal?.invalid.slice(0, 5) ?? []) {
    writeLine(io.stderr, `warning: ${journalPath(cluster.journalDir, cluster.name)}:${bad.line} is not a journal event (${bad.problem}); it was skipped.`);
  }
  const emit = (event: ReleaseEvent) => {
    const marked = dryRun ? event : markRunMode(event, false);
    journal?.record(marked);
    reporter.emit(marked);
  };
  const openWrapped = async (signal: AbortSignal) => {
    const reportCommand = (host: string, command: string) =>
      emit({ type: 'command', host, command, mutates: true, dryRun: true, at: systemClock.now().toISOString(), runId: 'dry-run' });
    const result = await openClusterSessions(cluster, io.env, signal, (s) =>
      dryRun ? dryRunSession(s, { report: (r) => reportCommand(r.host, r.kind === 'exec' ? r.commandLine : `sftp put ${r.localPath} ${r.remotePath}`) }) : s,
    );
    closeSessions = result.close;
    return result.sessions;
  };
  try {
    const deps: ContextDeps = {
      clock: systemClock,
      stop: interrupts.stop,
      breakLock: options.breakLock,
      isLockHolderGone: holderGoneOnThisHost(hostname(), isPidAlive),
      ciJob: ciJobOf(io.env),
      emit,
      openSessions: (signal) => (opened ??= openWrapped(signal)),
      journalEvents: journal ? () => journal.events() : undefined,
    };
    const code = await fn({ deps: dryRun ? dryRunDeps(deps) : deps, reporter, io });
    await reporter.close();
    if (code === EXIT.rollbackFailed) nameStuckServers(io, reporter);
    const warning = reportPath ? writeReportFile(reportPath, reporter.report(), code) : undefined;
    if (warning) writeLine(io.stderr, warning);
    return code;
  } finally {
    await journal?.flush();
    await reporter.close();
    journal?.close();
    await closeSessions?.();
    interrupts.dispose();
  }
}
