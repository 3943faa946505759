// `release` (and `release plan` / `--dry-run`): the API's release with the reporter, Ctrl-C and
// the report file around it, and the plan printed after a dry run; returns the exit status.
import { createInterface } from 'node:readline/promises';
import { checkReleaseRequest, release, type ReleaseResult } from '../../api/release.ts';
import { ReleaseError } from '../../core/errors.ts';
import { formatPlan } from '../../plan/format-plan.ts';
import type { BatchSpec } from '../../plan/types.ts';
import type { ResumeState } from '../../runner/run.ts';
import { withReporter } from '../harness.ts';
import { writeLine, type CliIo } from '../io.ts';
import { resolveTrigger } from './trigger.ts';

export { defaultReleaseId } from '../../api/release.ts';

export interface ReleaseCliOptions {
  config?: string;
  batch: string;
  canary?: string;
  artifact?: string;
  releaseId?: string;
  dryRun?: boolean;
  trigger?: string;
  forceWindow?: boolean;
  reason?: string;
  waitForWindow?: boolean;
  json?: boolean;
  report?: string;
  breakLock?: boolean;
  /** `--limit`: names or globs, each possibly comma-separated (repeatable). */
  limit?: string[];
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ReleaseError('USAGE', `${flag} "${text}" is not a positive whole number.`, { hint: `e.g. ${flag} 1` });
  return n;
}

/** What the release options say once checked; the release id is checked only when given. */
export interface CheckedReleaseOptions {
  batch: BatchSpec;
  canary: number | undefined;
}

/**
 * The checks that need no file, network or clock: run when the command line is parsed
 * (`parseCommandLine` too, for the examples' test), and again by the API.
 */
export function checkReleaseOptions(options: ReleaseCliOptions): CheckedReleaseOptions {
  const canary = options.canary !== undefined ? positiveInt(options.canary, '--canary') : undefined;
  if (options.forceWindow && !options.reason?.trim()) {
    throw new ReleaseError('USAGE', '--force-window needs --reason "…": forcing a peak window is recorded with its reason.', {
      hint: 'release --force-window --reason "hotfix for INC-1234"',
    });
  }
  return checkReleaseRequest({
    batch: options.batch,
    canary,
    releaseId: options.releaseId,
    forceWindowReason: options.forceWindow ? options.reason : undefined,
  });
}

/** The plan after a dry run, and what the windows would say to a real run now. */
function printPlan(io: CliIo, result: ReleaseResult): void {
  if (!result.plan) return;
  writeLine(io.stdout, '');
  for (const line of formatPlan(result.plan)) writeLine(io.stdout, line);
  const window = result.window;
  if (window && !window.allowed && window.refusal) {
    writeLine(io.stdout, `window: a real run would be refused now (${window.refusal.code}): ${window.refusal.message}`);
    writeLine(
      io.stdout,
      `window: ${window.nextAllowed ? `it may start at ${window.nextAllowed}` : 'no allowed start was found in the search horizon'}; --wait-for-window sleeps until then, --force-window --reason "…" starts anyway.`,
    );
  }
  writeLine(io.stdout, '[dry run] nothing was changed; the commands above were reported, not run.');
}

export async function releaseCommand(io: CliIo, options: ReleaseCliOptions, mode: { planOnly: boolean; resume?: ResumeState }): Promise<number> {
  const { batch, canary } = checkReleaseOptions(options);
  const dryRun = Boolean(options.dryRun);
  // A TTY prompt cannot share the screen with the task tree: a canary on a TTY uses the plain log.
  const plain = canary !== undefined && Boolean(io.stdout.isTTY) && !options.json;
  return withReporter(io, { json: options.json, report: options.report, plain }, async ({ reporter, stop }) => {
    const result = await release({
      config: options.config,
      cwd: io.cwd,
      env: io.env,
      batch: batch.text,
      canary,
      artifact: options.artifact,
      releaseId: options.releaseId,
      dryRun,
      trigger: resolveTrigger(options.trigger, io.env),
      forceWindowReason: options.forceWindow ? options.reason : undefined,
      waitForWindow: options.waitForWindow,
      limit: options.limit,
      breakLock: options.breakLock,
      resume: mode.resume,
      onEvent: reporter.emit,
      onLog: (line) => writeLine(io.stderr, line),
      signal: stop,
      confirmCanary: () => promptCanary(io),
    });
    await reporter.close();
    if (dryRun && !options.json) printPlan(io, result);
    if (result.error) throw result.error;
    return result.exitCode;
  });
}

/** On a TTY, ask whether to promote the canary; elsewhere pause (exit 0, `release promote` later). */
async function promptCanary(io: CliIo): Promise<boolean> {
  if (!process.stdin.isTTY || !io.stdout.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: io.stderr });
  try {
    for (;;) {
      const answer = (
        await rl.question(
          'Canary is released and back in the pool. Promote to the rest (p), or pause (s) for `release promote` / `release abort` later? [p/s] ',
        )
      )
        .trim()
        .toLowerCase();
      if (answer === 'p' || answer === 'promote') return true;
      if (answer === 's' || answer === 'pause' || answer === '') return false;
    }
  } finally {
    rl.close();
  }
}
