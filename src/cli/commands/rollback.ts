// `release rollback` and `release recover`: the API's runs with the reporter, Ctrl-C and the
// report file around them.
import type { RunOptions } from '../../api/options.ts';
import type { RunApiResult } from '../../api/result.ts';
import { recover, rollback } from '../../api/rollback.ts';
import { withReporter } from '../harness.ts';
import { writeLine, type CliIo } from '../io.ts';

export interface UndoCliOptions {
  config?: string;
  breakLock?: boolean;
  json?: boolean;
  report?: string;
  /** Taken for a uniform option set (promote/resume use it); windows never block an undo. */
  forceWindow?: boolean;
  reason?: string;
}

/** Runs an API call with the CLI's output around it; an error it returns is thrown for the CLI entry to report. */
async function runWithReporter(io: CliIo, options: UndoCliOptions, call: (hooks: RunOptions) => Promise<RunApiResult>): Promise<number> {
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

/** Rolls the whole cluster (or --limit) back: to --to ID, or each server to what it ran before the last release. */
export function rollbackCommand(io: CliIo, options: UndoCliOptions & { to?: string; batch?: string; limit?: string[] }): Promise<number> {
  return runWithReporter(io, options, (hooks) => rollback({ ...hooks, to: options.to, batch: options.batch, limit: options.limit }));
}

/** Repairs after a crash: every server the journal (or the directors' copy) touched ends on one release, in the pool. */
export function recoverCommand(io: CliIo, options: UndoCliOptions): Promise<number> {
  return runWithReporter(io, options, (hooks) => recover(hooks));
}
