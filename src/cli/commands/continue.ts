// `release promote | abort | resume | rollback`: continue or undo runs recorded in the journal.
import { ReleaseError } from "../../core/errors.ts";
import { readJournal } from '../../journal/journal.ts';
import { replay, type RunJournalState } from '../../journal/replay.ts';
import { runRecover } from '../../runner/recover.ts';
import { runRollback, type RollbackWish } from '../../runner/rollback.ts';
import type { ResumeState } from '../../runner/run.ts';
import { withHarness } from '../harness.ts';
import type { CliIo } from '../io.ts';
import { loadConfigOrThrow } from './config.ts';
import { releaseCommand } from './release.ts';
import { journalPath } from './status.ts';

export interface ContinueOptions {
  config: string;
  breakLock?: boolean;
  forceWindow?: boolean;
  reason?: string;
  json?: boolean;
  report?: string;
}

async function lastRun(io: CliIo, config: string): Promise<RunJournalState> {
  const { cluster } = await loadConfigOrThrow(io, config);
  return replay(readJournal(journalPath(cluster.journalDir, cluster.name)));
}

function releasesBefore(state: RunJournalState): Map<string, string | null> {
  return new Map([...state.servers.values()].map((s) => [s.server, s.releaseBefore]));
}

function releasedServers(state: RunJournalState): string[] {
  return [...state.servers.values()].filter((s) => s.released).map((s) => s.server);
}

function resumeState(state: RunJournalState, command: 'promote' | 'resume'): ResumeState {
  if (!state.plan || !state.paused || !state.runId) throw new ReleaseError('INTERNAL', 'journal has no plan');
  return {
    command,
    continues: state.runId,
    plan: state.plan,
    fromBatch: state.paused.nextBatch,
    releasesBefore: releasesBefore(state),
    released: releasedServers(state),
  };
}

/** Continues a paused run of the journal's last release with the same artifact and batches. */
async function continueRun(io: CliIo, options: ContinueOptions, command: 'promote' | 'resume', reasons: string[]): Promise<number> {
  const state = await lastRun(io, options.config);
  if (!state.paused || !reasons.includes(state.paused.reason) || state.finished === false) {
    const what = command === 'promote' ? 'a canary paused for promote/abort' : 'a run stopped by a peak window or an interruption';
    throw new ReleaseError('USAGE', `Nothing to ${command}: the journal's last run${state.release ? ` (release ${state.release}, ${state.outcome ?? 'unfinished'})` : ''} is not ${what}.`, {
      hint: state.started && !state.finished ? 'The last run did not finish (a crash?): run `release recover`.' : 'Start a release with `release --canary N`.',
    });
  }
  const first = state.firstRun;
  return releaseCommand(
    io,
    {
      config: options.config,
      batch: first?.batch ?? '1',
      artifact: first?.artifact,
      releaseId: state.release ?? undefined,
      json: options.json,
      report: options.report,
      trigger: first?.trigger,
      breakLock: options.breakLock,
      forceWindow: options.forceWindow,
      reason: options.reason,
    },
    { planOnly: false, resume: resumeState(state, command) },
  );
}

export const promoteCommand = (io: CliIo, options: ContinueOptions) => continueRun(io, options, 'promote', ['canary']);
export const resumeCommand = (io: CliIo, options: ContinueOptions) => continueRun(io, options, 'resume', ['window', 'interrupt']);

/** Rolls the paused canary (every server this release finished) back to what it ran before. */
export async function abortCommand(io: CliIo, options: ContinueOptions): Promise<number> {
  const { cluster, pipeline } = await loadConfigOrThrow(io, options.config);
  const state = await lastRun(io, options.config);
  if (state.paused?.reason !== 'canary' || !state.release) {
    throw new ReleaseError('USAGE', 'Nothing to abort: the journal\'s last run is not a paused canary.', { hint: 'To undo a finished release, use `release rollback`.' });
  }
  const before = releasesBefore(state);
  const release = state.release;
  const plan = state.plan;
  return withHarness(io, cluster, options, async ({ deps }) => {
    const result = await runRollback(
      {
        cluster,
        pipeline,
        command: 'abort',
        release,
        continues: state.runId ?? '',
        markBad: release,
        releasesBefore: before,
        batchSize: plan?.batches[0]?.budget ?? 1,
        targets: () => releasedServers(state).flatMap((server): RollbackWish[] => {
          const to = before.get(server);
          return to ? [{ server, to }] : [];
        }),
      },
      deps,
    );
    return result.exitCode;
  });
}

/** Rolls the whole cluster back: to --to ID, or each server to what it ran before the last release. */
export async function rollbackCommand(io: CliIo, options: ContinueOptions & { to?: string; batch?: string }): Promise<number> {
  const { cluster, pipeline } = await loadConfigOrThrow(io, options.config);
  const state = await lastRun(io, options.config);
  const batchSize = Number(options.batch ?? '1');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ReleaseError('USAGE', `--batch "${options.batch}" must be a whole number of servers`);
  if (!options.to && !state.release) {
    throw new ReleaseError('USAGE', 'No release is recorded in the journal, so there is nothing to roll back to.', { hint: 'Name the release: `release rollback --to ID`.' });
  }
  if (options.to && state.badReleases.includes(options.to)) {
    throw new ReleaseError('USAGE', `Release ${options.to} was marked bad by an earlier run; refusing to roll back to it.`, { hint: 'Pick another release with --to.' });
  }
  const before = releasesBefore(state);
  return withHarness(io, cluster, options, async ({ deps }) => {
    const result = await runRollback(
      {
        cluster,
        pipeline,
        command: 'rollback',
        release: options.to ? `rollback-to-${options.to}` : (state.release as string),
        batchSize,
        targets: (servers, preflight) =>
          [...servers.keys()].flatMap((server): RollbackWish[] => {
            if (options.to) return [{ server, to: options.to }];
            const to = before.get(server);
            return to && preflight.releases.get(server) === state.release ? [{ server, to }] : [];
          }),
      },
      deps,
    );
    return result.exitCode;
  });
}


/** Repairs after a crash: every server the journal touched ends on one release, in the pool.
 * The run context reads the journal, or the copy on the directors when it is newer (another
 * machine ran last) or this machine has none. */
export async function recoverCommand(io: CliIo, options: ContinueOptions): Promise<number> {
  const { cluster, pipeline } = await loadConfigOrThrow(io, options.config);
  return withHarness(io, cluster, options, async ({ deps }) => {
    const result = await runRecover({ cluster, pipeline }, deps);
    return result.exitCode;
  });
}
