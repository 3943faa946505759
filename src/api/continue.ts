// `promote()`, `resume()` and `abort()`: continue or undo a paused run. They start from this
// machine's journal, or from the essentials copy on the directors when that is newer or this
// machine has none (as `recover` does): a promote job on another CI runner continues the canary
// another job paused. The state is read before the lock and checked again once it is held.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Pipeline } from '../config/types.ts';
import { ReleaseError } from '../core/errors.ts';
import { digestArtifact, uploadsArtifact } from '../deploy/artifact.ts';
import { continuationOf, describePause, isSamePause, type Continuation } from '../journal/continuation.ts';
import { parseBatchSpec } from '../plan/batch-spec.ts';
import type { LoadedJournal } from '../runner/journal-state.ts';
import { runRollback, type RollbackWish } from '../runner/rollback.ts';
import { runRelease } from '../runner/run.ts';
import { engineCall } from './engine.ts';
import { adoptionOf, emitSaying, lastRunIn, loadLastRun } from './last-run.ts';
import type { RunOptions } from './options.ts';
import { checkReleaseRequest } from './release.ts';
import type { RunApiResult } from './result.ts';
import { resolveTrigger } from './windows.ts';

export interface ContinueOptions extends RunOptions {
  /** The release artifact (relative to `cwd`), when this machine is not the one that started the release; its sha256 is checked. */
  artifact?: string;
  /** Continue inside a peak window or freeze; recorded with the run. */
  forceWindowReason?: string;
}

const WHAT_CONTINUES = {
  promote: 'a canary paused for promote/abort',
  resume: 'a run stopped by a peak window or an interruption',
  abort: 'a paused canary',
} as const;

function nothingTo(command: keyof typeof WHAT_CONTINUES, loaded: LoadedJournal): ReleaseError {
  const state = loaded.state;
  const last = `${lastRunIn(loaded)}${state.release ? ` (release ${state.release}, ${state.outcome ?? 'unfinished'})` : ''}`;
  if (command === 'abort') {
    return new ReleaseError('USAGE', `Nothing to abort: ${last} is not a paused canary.`, { hint: 'To undo a finished release, use `release rollback`.' });
  }
  return new ReleaseError('USAGE', `Nothing to ${command}: ${last} is not ${WHAT_CONTINUES[command]}.`, {
    hint: state.started && !state.finished ? 'The last run did not finish (a crash?): run `release recover`.' : 'Start a release with `release --canary N`.',
  });
}

/** Another run ran between the first read and the lock: refused, nothing changed. */
function journalChanged(command: string, now: LoadedJournal): ReleaseError {
  return new ReleaseError(
    'USAGE',
    `The last run changed while \`release ${command}\` was starting (now: run ${now.state.runId ?? 'none'}); nothing was changed.`,
    {
      hint: `Check with \`release status\`, then run \`release ${command}\` again.`,
    },
  );
}

/** Once the lock is held: the paused run must still be the one this command read (another job may have continued it meanwhile). */
function stillPaused(command: keyof typeof WHAT_CONTINUES, expected: Continuation, reasons: readonly string[]) {
  return (now: LoadedJournal): ReleaseError | undefined => {
    if (isSamePause(now.state, expected)) return undefined;
    return continuationOf(now.state, reasons) ? journalChanged(command, now) : nothingTo(command, now);
  };
}

/** `sha256 …, N bytes`: the build a continuation must upload, as recorded by the first run. */
function describeDigest(artifact: { sha256?: string; size?: number }): string {
  return artifact.sha256 ? `sha256 ${artifact.sha256}${artifact.size !== undefined ? `, ${artifact.size} bytes` : ''}` : 'no digest recorded';
}

/**
 * The artifact promote/resume upload: --artifact, else the first run's file when it is on this
 * machine. Refused (exit 2) when the pipeline needs one and there is none, or when it is not the
 * build the first run recorded (its sha256), so that a different build is never promoted by mistake.
 */
async function artifactFor(
  cwd: string,
  artifact: string | undefined,
  pipeline: Pipeline,
  continuation: Continuation,
  command: string,
): Promise<string | undefined> {
  const recorded = continuation.artifact;
  const given = artifact ? resolve(cwd, artifact) : undefined;
  const path = given ?? (recorded && existsSync(recorded.path) ? recorded.path : undefined);
  if (!path) {
    if (!uploadsArtifact(pipeline)) return undefined;
    const first = recorded ? `, and release ${continuation.release} was started with --artifact ${recorded.path}, which is not on this machine` : '';
    const build = recorded ? `the same build (${describeDigest(recorded)})` : `the build release ${continuation.release} started with`;
    throw new ReleaseError('USAGE', `Pipeline "${pipeline.name}" uploads {{artifact}}${first}: pass --artifact FILE with ${build}. Nothing was changed.`, {
      hint: `e.g. \`release ${command} --artifact dist/app.tar.gz\` with the file the first job used (downloaded again from the build's artifacts); its sha256 is checked.`,
      details: { artifact: recorded?.path, sha256: recorded?.sha256 },
    });
  }
  if (!recorded?.sha256) return path;
  const actual = await digestArtifact(path);
  if (actual.sha256 === recorded.sha256 && (recorded.size === undefined || actual.size === recorded.size)) return path;
  const which = given ? `--artifact ${path}` : `The artifact ${path} (the first run's path on this machine)`;
  throw new ReleaseError(
    'USAGE',
    `${which} is not the build release ${continuation.release} started with: it has sha256 ${actual.sha256}, ${actual.size} bytes; the first run's had ${describeDigest(recorded)}. Nothing was changed.`,
    {
      hint: 'Pass --artifact with the build the first run released. To release this build instead, roll the paused run back first (`release abort` for a canary), then start a new release with it.',
      details: { artifact: path, sha256: actual.sha256, expected: recorded.sha256 },
    },
  );
}

/** Continues a paused run of the last release with its plan and batches, from the batch it stopped before. */
async function continueRun(options: ContinueOptions, command: 'promote' | 'resume', reasons: readonly string[]): Promise<RunApiResult> {
  return engineCall(options, async (edges, load) => {
    checkReleaseRequest({ forceWindowReason: options.forceWindowReason });
    if (options.artifact && !existsSync(resolve(edges.cwd, options.artifact))) {
      throw new ReleaseError('USAGE', `--artifact ${resolve(edges.cwd, options.artifact)}: no such file.`, {
        hint: 'Download or build the artifact first, or fix the path.',
      });
    }
    const { cluster, pipeline } = await load();
    return {
      cluster,
      run: async (deps) => {
        const loaded = await loadLastRun(cluster, deps);
        const continuation = continuationOf(loaded.state, reasons);
        if (!continuation) throw nothingTo(command, loaded);
        if (!continuation.plan) throw new ReleaseError('INTERNAL', `the journal has no plan for run ${continuation.runId}`);
        const artifact = await artifactFor(edges.cwd, options.artifact, pipeline, continuation, command);
        const adopted = adoptionOf(loaded);
        return runRelease(
          {
            cluster,
            pipeline,
            batch: parseBatchSpec(continuation.batch),
            artifact,
            release: continuation.release,
            trigger: resolveTrigger(continuation.trigger, edges.env),
            forceWindowReason: options.forceWindowReason,
            resume: {
              command,
              continues: continuation.runId,
              plan: continuation.plan,
              fromBatch: continuation.paused.nextBatch,
              releasesBefore: continuation.releasesBefore,
              released: continuation.released,
              adopted,
            },
          },
          {
            ...deps,
            emit: emitSaying(deps, adopted, `continuing run ${continuation.runId} (release ${continuation.release}, ${describePause(continuation.paused)})`),
            expectJournal: stillPaused(command, continuation, reasons),
            // A resumed canary batch pauses again: the prompt belongs to `release --canary`.
            confirmCanary: async () => false,
          },
        );
      },
    };
  });
}

/** `release promote`: releases the rest of a canary paused for promote/abort. */
export const promote = (options: ContinueOptions = {}) => continueRun(options, 'promote', ['canary']);
/** `release resume`: continues a run stopped by a peak window or an interruption. */
export const resume = (options: ContinueOptions = {}) => continueRun(options, 'resume', ['window', 'interrupt']);

/** `release abort`: rolls the paused canary (every server this release finished) back to what it ran before. */
export async function abort(options: RunOptions = {}): Promise<RunApiResult> {
  return engineCall(options, async (_edges, load) => {
    const { cluster, pipeline } = await load();
    return {
      cluster,
      run: async (deps) => {
        const loaded = await loadLastRun(cluster, deps);
        const continuation = continuationOf(loaded.state, ['canary']);
        if (!continuation) throw nothingTo('abort', loaded);
        const adopted = adoptionOf(loaded);
        const before = continuation.releasesBefore;
        return runRollback(
          {
            cluster,
            pipeline,
            command: 'abort',
            release: continuation.release,
            continues: continuation.runId,
            markBad: continuation.release,
            releasesBefore: before,
            batchSize: continuation.plan?.batches[0]?.budget ?? 1,
            adopted,
            targets: () =>
              continuation.released.flatMap((server): RollbackWish[] => {
                const to = before.get(server);
                return to ? [{ server, to }] : [];
              }),
          },
          {
            ...deps,
            emit: emitSaying(
              deps,
              adopted,
              `continuing the canary of run ${continuation.runId} (release ${continuation.release}, ${describePause(continuation.paused)})`,
            ),
            expectJournal: stillPaused('abort', continuation, ['canary']),
          },
        );
      },
    };
  });
}
