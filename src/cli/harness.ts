// What every cluster-changing command runs inside, for a person or a CI log: the reporter (TTY
// tree, CI log or NDJSON), interruption handling (Ctrl-C → the run's AbortSignal), and the report
// file. The engine's own wiring (journal, sessions, dry-run seams) is the API's (src/api/engine.ts).
import { resolve } from 'node:path';
import { withEngine } from '../api/engine.ts';
import type { RunOptions } from '../api/options.ts';
import type { RunApiResult } from '../api/result.ts';
import type { Cluster } from '../config/types.ts';
import { systemClock } from '../core/clock.ts';
import { EXIT } from '../core/errors.ts';
import type { ContextDeps } from '../runner/context.ts';
import { secretsOf } from '../ui/redact.ts';
import { checkReportPath, writeReportFile } from '../ui/report-file.ts';
import { createReporter, type Reporter } from '../ui/reporter.ts';
import { writeLine, type CliIo } from './io.ts';
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

/** What a command runs with around an API call: the reporter to feed, and the signal of Ctrl-C. */
export interface ReporterScope {
  reporter: Reporter;
  stop: AbortSignal;
  io: CliIo;
}

/** Names the servers a failed rollback left out of the pool, on stderr too: CI logs often show only that. */
function nameStuckServers(io: CliIo, reporter: Reporter): void {
  for (const s of reporter.summary().servers.filter((x) => x.outcome === 'rollback-failed' || x.outcome === 'restore-failed')) {
    writeLine(io.stderr, `✖ ROLLBACK_FAILED ${s.server} is left out of the pool (${s.failedStep ?? 'unknown step'}: ${s.error ?? 'no detail'}).`);
  }
  writeLine(io.stderr, '  hint: fix the server named above, then run `release recover` to verify it and put it back.');
}

/** The reporter, the interruption watch and the report file around `fn`; all closed at the end. */
export async function withReporter(
  io: CliIo,
  options: Pick<HarnessOptions, 'json' | 'report' | 'plain'>,
  fn: (scope: ReporterScope) => Promise<number>,
): Promise<number> {
  const reportPath = options.report ? resolve(io.cwd, options.report) : undefined;
  if (reportPath) checkReportPath(reportPath);
  const interrupts = watchInterrupts(io, () => {
    // biome-ignore lint/nursery/noProcessExit: a second Ctrl-C means "exit at once"; the journal already holds what recover needs.
    process.exit(EXIT.interrupted);
  });
  const reporter = createReporter({
    mode: options.json ? 'json' : options.plain ? 'plain' : 'auto',
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    secrets: secretsOf(io.env),
  });
  try {
    const code = await fn({ reporter, stop: interrupts.stop, io });
    await reporter.close();
    if (code === EXIT.rollbackFailed) nameStuckServers(io, reporter);
    const warning = reportPath ? writeReportFile(reportPath, reporter.report(), code) : undefined;
    if (warning) writeLine(io.stderr, warning);
    return code;
  } finally {
    await reporter.close();
    interrupts.dispose();
  }
}

/** The reporter scope and the engine (journal, sessions, dry-run seams) for commands that drive the runner themselves. */
export async function withHarness(io: CliIo, cluster: Cluster, options: HarnessOptions, fn: (harness: Harness) => Promise<number>): Promise<number> {
  return withReporter(io, options, ({ reporter, stop }) =>
    withEngine(
      cluster,
      {
        env: io.env,
        clock: systemClock,
        redact: reporter.redact,
        dryRun: options.dryRun,
        breakLock: options.breakLock,
        onEvent: reporter.emit,
        signal: stop,
        onLog: (line) => writeLine(io.stderr, line),
      },
      (deps) => fn({ deps, reporter, io }),
    ),
  );
}

/**
 * Runs a run-kind API call (rollback, recover, promote, resume, abort) with the CLI's output
 * around it; an error it returns is thrown for the CLI entry to report.
 */
export async function runApiCall(
  io: CliIo,
  options: { config?: string; breakLock?: boolean; json?: boolean; report?: string },
  call: (hooks: RunOptions) => Promise<RunApiResult>,
): Promise<number> {
  return withReporter(io, { json: options.json, report: options.report }, async ({ reporter, stop }) => {
    const result = await call({
      config: options.config,
      cwd: io.cwd,
      env: io.env,
      breakLock: options.breakLock,
      onEvent: reporter.emit,
      onLog: (line) => writeLine(io.stderr, line),
      signal: stop,
    });
    if (result.error) throw result.error;
    return result.exitCode;
  });
}
