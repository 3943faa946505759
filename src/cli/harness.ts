// What every cluster-changing command runs inside: the reporter (TTY tree, CI log or NDJSON),
// the append-only journal, interruption handling, and the SSH sessions, all closed at the end.
import { closeSync, lstatSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { holderGoneOnThisHost } from '../lock/lock.ts';
import { resolve } from 'node:path';
import type { Cluster } from '../config/types.ts';
import { systemClock } from '../core/clock.ts';
import { EXIT, ReleaseError } from '../core/errors.ts';
import type { ReleaseEvent } from '../events/types.ts';
import { openJournal, readJournal, type JournalWriter } from '../journal/journal.ts';
import type { ContextDeps } from '../runner/context.ts';
import { dryRunSession } from '../transport/dry-run.ts';
import { redactDeep } from '../ui/redact.ts';
import { copyPath, isEssential, toCopy, writeCopyScript } from '../journal/director-copy.ts';
import { replay } from '../journal/replay.ts';
import type { HostSession } from '../transport/types.ts';
import { createReporter, type Reporter } from '../ui/reporter.ts';
import { journalPath } from './commands/status.ts';
import { writeLine, type CliIo } from './io.ts';
import { openClusterSessions } from './sessions.ts';
import { watchInterrupts } from './signals.ts';

export interface HarnessOptions {
  json?: boolean;
  report?: string;
  dryRun?: boolean;
  /** Force the plain log (a TTY prompt cannot share the screen with the task tree). */
  plain?: boolean;
  breakLock?: boolean;
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Values of variables whose names say they are secret (tokens, passwords, passphrases). */
export function secretsOf(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => /TOKEN|PASSWORD|PASSWD|PASSPHRASE|SECRET|API_?KEY/i.test(name) && value !== undefined && value.length >= 4)
    .map(([, value]) => value as string);
}

/** Refreshes the journal's essentials on every director (best effort; the local journal rules). */
async function writeJournalCopies(cluster: Cluster, opened: Promise<Map<string, HostSession>> | undefined, events: readonly ReleaseEvent[]): Promise<void> {
  if (!opened) return;
  const sessions = await opened;
  const script = writeCopyScript(copyPath(cluster.lock.path), toCopy(replay(events)));
  await Promise.allSettled(
    cluster.directors.map((d) => sessions.get(d.name)?.exec({ script, mutates: true, timeoutMs: 15_000, label: 'journal copy' })),
  );
}

/** `ENOENT: no such file or directory` from a Node fs error, without the path it repeats. */
function osError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return (e.message ?? String(error)).replace(/, \w+ '.*'$/, '') || (e.code ?? 'write failed');
}

/**
 * Refuses a --report path that cannot be written (USAGE, exit 2) before anything runs: it is
 * opened for appending, as the end of the run will, and removed again if this made it.
 */
export function checkReportPath(path: string): void {
  try {
    const existed = lstatSync(path, { throwIfNoEntry: false }) !== undefined;
    closeSync(openSync(path, 'a'));
    if (!existed) rmSync(path, { force: true });
  } catch (error) {
    throw new ReleaseError('USAGE', `--report ${path} cannot be written: ${osError(error)}.`, {
      hint: 'Create its directory first, or give --report a path this user can write. Nothing was changed.',
      details: { file: path, error: (error as NodeJS.ErrnoException).code },
    });
  }
}

/** Writes the report; a failure now is a warning: the exit status stays the run's. */
function writeReport(io: CliIo, path: string, report: unknown, code: number): void {
  try {
    writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  } catch (error) {
    writeLine(io.stderr, `warning: --report ${path} was not written: ${osError(error)}. The exit status is the run's (${code}).`);
  }
}

export interface Harness {
  deps: ContextDeps;
  reporter: Reporter;
  io: CliIo;
}

export async function withHarness(
  io: CliIo,
  cluster: Cluster,
  options: HarnessOptions,
  fn: (harness: Harness) => Promise<number>,
): Promise<number> {
  const dryRun = Boolean(options.dryRun);
  const reportPath = options.report ? resolve(io.cwd, options.report) : undefined;
  if (reportPath) checkReportPath(reportPath);
  const interrupts = watchInterrupts(io, () => {
    process.exit(EXIT.interrupted);
  });
  const reporter = createReporter({
    mode: options.json ? 'json' : options.plain ? 'plain' : 'auto',
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    secrets: secretsOf(io.env),
  });
  let journal: JournalWriter | undefined;
  let closeSessions: (() => Promise<void>) | undefined;
  let opened: Promise<Map<string, HostSession>> | undefined;
  const path = journalPath(cluster.journalDir, cluster.name);
  // The essentials copy on the directors is rebuilt from the journal; writes are coalesced so a
  // big cluster sends the latest state, not every intermediate one.
  const events: ReleaseEvent[] = dryRun ? [] : readJournal(path).slice(-20_000);
  let copying: Promise<void> | undefined;
  let dirty = false;
  const refreshCopies = () => {
    dirty = true;
    copying ??= (async () => {
      while (dirty) {
        dirty = false;
        await writeJournalCopies(cluster, opened, events).catch(() => {});
      }
      copying = undefined;
    })();
  };
  const emit = (event: ReleaseEvent) => {
    // The journal is an output edge too: nothing secret is written to disk either.
    const safe = redactDeep(event, reporter.redact);
    journal?.append(safe);
    reporter.emit(event);
    if (!journal) return;
    events.push(safe);
    if (isEssential(event)) refreshCopies();
  };
  const openWrapped = async (signal: AbortSignal) => {
    const result = await openClusterSessions(cluster, io.env, signal, (s) =>
      dryRun
        ? dryRunSession(s, {
            report: (r) =>
              emit({
                type: 'command',
                host: r.host,
                command: r.kind === 'exec' ? r.commandLine : `sftp put ${r.localPath} ${r.remotePath}`,
                mutates: true,
                dryRun: true,
                at: systemClock.now().toISOString(),
                runId: 'dry-run',
              }),
          })
        : s,
    );
    closeSessions = result.close;
    return result.sessions;
  };
  try {
    if (!dryRun) journal = openJournal(path);
    const deps: ContextDeps = {
      clock: systemClock,
      stop: interrupts.stop,
      ...(options.breakLock ? { breakLock: true } : {}),
      isLockHolderGone: holderGoneOnThisHost(hostname(), isPidAlive),
      ...(io.env.CI_JOB_ID || io.env.GITHUB_RUN_ID ? { ciJob: io.env.CI_JOB_ID ?? io.env.GITHUB_RUN_ID } : {}),
      emit,
      openSessions: (signal) => (opened ??= openWrapped(signal)),
    };
    const code = await fn({ deps, reporter, io });
    await reporter.close();
    if (code === EXIT.rollbackFailed) {
      // Named loudly, on stderr too: CI logs often show only that.
      for (const s of reporter.summary().servers.filter((x) => x.outcome === 'rollback-failed' || x.outcome === 'restore-failed')) {
        writeLine(io.stderr, `✖ ROLLBACK_FAILED ${s.server} is left out of the pool (${s.failedStep ?? 'unknown step'}: ${s.error ?? 'no detail'}).`);
      }
      writeLine(io.stderr, '  hint: fix the server named above, then run `release recover` to verify it and put it back.');
    }
    if (reportPath) writeReport(io, reportPath, reporter.report(), code);
    return code;
  } finally {
    await copying;
    await reporter.close();
    journal?.close();
    await closeSessions?.();
    interrupts.dispose();
  }
}
