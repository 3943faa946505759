// `rollback()` and `recover()`: undo runs, with the same drain discipline as a release.
// Rollback goes to `to`, or each server back to what it ran before the last release (this
// machine's journal, or the directors' copy when newer: a job on another runner);
// recover brings every server the journal touched to one release, in the pool, verified first.
import { ReleaseError } from '../core/errors.ts';
import type { RunJournalState } from '../journal/replay.ts';
import { resolveLimit } from '../plan/limit.ts';
import { runRecover } from '../runner/recover.ts';
import { runRollback, type RollbackWish } from '../runner/rollback.ts';
import { engineCall } from './engine.ts';
import { adoptionOf, emitSaying, loadLastRun } from './last-run.ts';
import type { RunOptions } from './options.ts';
import type { RunApiResult } from './result.ts';

export interface RollbackOptions extends RunOptions {
  /** The release to go back to (default: what each server ran before the journal's last release). */
  to?: string;
  /** Servers out of the pool at once, counting those already out (default 1). */
  batch?: number | string;
  /** Only these servers: names or globs (`web1*`), each may be comma-separated. */
  limit?: readonly string[];
}

function releasesBefore(state: RunJournalState): Map<string, string | null> {
  return new Map([...state.servers.values()].map((s) => [s.server, s.releaseBefore]));
}

export async function rollback(options: RollbackOptions = {}): Promise<RunApiResult> {
  return engineCall(options, async (_edges, load) => {
    const { cluster, pipeline } = await load();
    const batchSize = Number(options.batch ?? '1');
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ReleaseError('USAGE', `--batch "${options.batch}" must be a whole number of servers`, { hint: 'e.g. release rollback --batch 2' });
    }
    const limit = options.limit ? new Set(resolveLimit(options.limit, cluster.realServers)) : undefined;
    const to = options.to;
    return {
      cluster,
      run: async (deps) => {
        // The last release as this machine's journal or the directors' copy says (a rollback job
        // on another CI runner than the release's has an empty journal).
        const loaded = await loadLastRun(cluster, deps);
        const { state } = loaded;
        if (!to && !state.release) {
          throw new ReleaseError(
            'USAGE',
            "No release is recorded in this machine's journal or in its copy on the directors, so there is nothing to roll back to.",
            {
              hint: 'Name the release: `release rollback --to ID`.',
            },
          );
        }
        if (to && state.badReleases.includes(to)) {
          throw new ReleaseError('USAGE', `Release ${to} was marked bad by an earlier run; refusing to roll back to it.`, {
            hint: 'Pick another release with --to.',
          });
        }
        const before = releasesBefore(state);
        const adopted = adoptionOf(loaded);
        const release = to ? `rollback-to-${to}` : (state.release as string);
        return runRollback(
          {
            cluster,
            pipeline,
            command: 'rollback',
            release,
            batchSize,
            adopted,
            targets: (servers, preflight) =>
              [...servers.keys()]
                .filter((server) => !limit || limit.has(server))
                .flatMap((server): RollbackWish[] => {
                  if (to) return [{ server, to }];
                  const previous = before.get(server);
                  return previous && preflight.releases.get(server) === state.release ? [{ server, to: previous }] : [];
                }),
          },
          { ...deps, emit: emitSaying(deps, adopted, `rolling back release ${state.release ?? to} as recorded`) },
        );
      },
    };
  });
}

/** After a crash: every server the journal (or the directors' copy of it) touched ends on one release, in the pool. */
export async function recover(options: RunOptions = {}): Promise<RunApiResult> {
  return engineCall(options, async (_edges, load) => {
    const { cluster, pipeline } = await load();
    return { cluster, run: (deps) => runRecover({ cluster, pipeline }, deps) };
  });
}
