// `release` (and `release plan` / `--dry-run`): windows, then the run, with the reporter, the
// journal and interruption wired; returns the exit status.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { systemClock } from '../../core/clock.ts';
import { ReleaseError } from '../../core/errors.ts';
import { parseBatchSpec } from '../../plan/batch-spec.ts';
import { formatPlan } from '../../plan/format-plan.ts';
import type { BatchSpec, Plan } from '../../plan/types.ts';
import { checkWindows, runRelease, type ResumeState } from '../../runner/run.ts';
import { evaluateWindows } from '../../windows/evaluate.ts';
import { formatDecision } from '../../windows/format.ts';
import { writeLine, type CliIo } from '../io.ts';
import { withHarness } from '../harness.ts';
import { loadConfigOrThrow } from './config.ts';
import { resolveTrigger } from './trigger.ts';

export interface ReleaseCliOptions {
  config: string;
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
}

/** `20261125T020000Z`: sortable, filesystem- and shell-safe. */
export function defaultReleaseId(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ReleaseError('USAGE', `${flag} "${text}" is not a positive whole number.`, { hint: `e.g. ${flag} 1` });
  return n;
}

const RELEASE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** What the release options say once checked; the release id is checked only when given. */
export interface CheckedReleaseOptions {
  batch: BatchSpec;
  canary: number | undefined;
}

/**
 * The checks of the release options that need neither files nor network: run when the command
 * line is parsed (`parseCommandLine` too, for the examples' test), and again by every caller.
 */
export function checkReleaseOptions(options: ReleaseCliOptions): CheckedReleaseOptions {
  const batch = parseBatchSpec(options.batch);
  const canary = options.canary !== undefined ? positiveInt(options.canary, '--canary') : undefined;
  if (options.forceWindow && !options.reason?.trim()) {
    throw new ReleaseError('USAGE', '--force-window needs --reason "…": forcing a peak window is recorded with its reason.', { hint: 'release --force-window --reason "hotfix for INC-1234"' });
  }
  if (options.releaseId !== undefined && !RELEASE_ID.test(options.releaseId)) {
    throw new ReleaseError('USAGE', `--release-id "${options.releaseId}" must be letters, digits, '.', '_' or '-' (starting with a letter or digit).`, { hint: 'e.g. --release-id 2026.11.25-1' });
  }
  return { batch, canary };
}

export async function releaseCommand(io: CliIo, options: ReleaseCliOptions, mode: { planOnly: boolean; resume?: ResumeState }): Promise<number> {
  const resume = mode.resume;
  const { batch, canary } = checkReleaseOptions(options);
  const release = options.releaseId ?? defaultReleaseId(systemClock.now());
  const artifact = options.artifact ? resolve(io.cwd, options.artifact) : undefined;
  if (artifact && !existsSync(artifact)) throw new ReleaseError('USAGE', `--artifact ${artifact}: no such file.`, { hint: 'Build the artifact first, or fix the path.' });

  const { cluster, pipeline } = await loadConfigOrThrow(io, options.config);
  const trigger = resolveTrigger(options.trigger, io.env);
  const dryRun = Boolean(options.dryRun);
  const usesArtifact = Object.values(pipeline.phases).flat().some((s) => s.kind === 'upload' && s.from.includes('{{artifact}}'));
  if (usesArtifact && !artifact) {
    throw new ReleaseError('USAGE', `pipeline "${pipeline.name}" uploads {{artifact}}: pass --artifact FILE.`, { hint: 'release --artifact dist/app.tar.gz --batch 2' });
  }

  const plain = canary !== undefined && Boolean(io.stdout.isTTY) && !options.json;
  return withHarness(io, cluster, { json: options.json, report: options.report, dryRun, plain, breakLock: options.breakLock }, async ({ deps, reporter }) => {
    if (options.waitForWindow && !options.forceWindow) await waitForWindow(io, cluster, trigger, deps.stop);
    const refusal = checkWindows({ cluster, trigger }, systemClock.now());
    if (refusal && !options.forceWindow) throw refusal;
    let plan: Plan | undefined;
    const result = await runRelease(
      {
        cluster,
        pipeline,
        batch,
        canary,
        artifact,
        release,
        trigger,
        forceWindowReason: options.forceWindow ? options.reason : undefined,
        resume,
      },
      {
        ...deps,
        // The plan is printed after a dry run even when the run refuses (it throws then).
        emit: (event) => {
          if (event.type === 'plan') plan = event.plan;
          deps.emit(event);
        },
        confirmCanary: dryRun ? async () => true : () => promptCanary(io),
      },
    );
    await reporter.close();
    if (dryRun && plan && !options.json) {
      writeLine(io.stdout, '');
      for (const line of formatPlan(plan)) writeLine(io.stdout, line);
      writeLine(io.stdout, '[dry run] nothing was changed; the commands above were reported, not run.');
    }
    return result.exitCode;
  });
}

/** Sleeps until no window blocks (printing why and until when), or until interrupted. */
async function waitForWindow(io: CliIo, cluster: Awaited<ReturnType<typeof loadConfigOrThrow>>['cluster'], trigger: ReturnType<typeof resolveTrigger>, stop: AbortSignal): Promise<void> {
  const policy = cluster.peakWindows;
  if (!policy) return;
  for (;;) {
    const decision = evaluateWindows(policy, { at: systemClock.now(), trigger });
    if (decision.allowed) return;
    for (const line of formatDecision(decision, policy)) writeLine(io.stderr, line);
    if (!decision.nextAllowed) throw checkWindows({ cluster, trigger }, systemClock.now()) ?? new ReleaseError('PEAK_WINDOW', 'no allowed start found');
    const ms = Math.max(1000, decision.nextAllowed.getTime() - systemClock.now().getTime());
    writeLine(io.stderr, `--wait-for-window: sleeping ${Math.round(ms / 1000)}s until ${decision.nextAllowed.toISOString()}`);
    await systemClock.sleep(ms, stop);
  }
}

/** On a TTY, ask whether to promote the canary; elsewhere pause (exit 0, `release promote` later). */
async function promptCanary(io: CliIo): Promise<boolean> {
  if (!process.stdin.isTTY || !io.stdout.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: io.stderr });
  try {
    for (;;) {
      const answer = (await rl.question('Canary is released and back in the pool. Promote to the rest (p), or pause (s) for `release promote` / `release abort` later? [p/s] ')).trim().toLowerCase();
      if (answer === 'p' || answer === 'promote') return true;
      if (answer === 's' || answer === 'pause' || answer === '') return false;
    }
  } finally {
    rl.close();
  }
}
