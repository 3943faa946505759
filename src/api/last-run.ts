// The last run a command continues or undoes: this machine's journal, or the essentials copy on
// the directors when that is newer or this machine has none (a job on another CI runner), and
// the warning that says so once the run has started.
import type { Cluster } from '../config/types.ts';
import type { ReleaseEvent } from '../events/types.ts';
import { serializeState } from '../journal/replay.ts';
import type { ContextDeps } from '../runner/context.ts';
import { loadJournalState, type LoadedJournal } from '../runner/journal-state.ts';

export type Adopted = { from: string; state: unknown };

/** The last run as this machine's journal or the directors' copy says (the newer), read over the run's own sessions. */
export async function loadLastRun(cluster: Cluster, deps: ContextDeps): Promise<LoadedJournal> {
  const sessions = await deps.openSessions(deps.stop);
  const directors = cluster.directors.flatMap((d) => {
    const session = sessions.get(d.name);
    return session ? [{ name: d.name, session }] : [];
  });
  return loadJournalState({ cluster, directors, events: deps.journalEvents, signal: deps.stop });
}

/** "the journal's last run", or "the last run in the journal's copy on lvs1". */
export function lastRunIn(loaded: LoadedJournal): string {
  return loaded.from === 'local' ? "the journal's last run" : `the last run in the journal's copy on ${loaded.from}`;
}

/** A run read from another machine's copy is recorded in this run's run-started, and said once. */
export function adoptionOf(loaded: LoadedJournal): Adopted | undefined {
  return loaded.from === 'local' ? undefined : { from: loaded.from, state: serializeState(loaded.state) };
}

/** deps.emit, with the JOURNAL_FROM_DIRECTOR warning right after run-started when the state came from a copy. */
export function emitSaying(deps: ContextDeps, adopted: Adopted | undefined, what: string): (event: ReleaseEvent) => void {
  return (event) => {
    deps.emit(event);
    if (event.type === 'run-started' && adopted) {
      deps.emit({
        type: 'warning',
        code: 'JOURNAL_FROM_DIRECTOR',
        director: adopted.from,
        message: `this machine's journal is older or empty: ${what} from the copy on ${adopted.from}`,
        at: event.at,
        runId: event.runId,
      });
    }
  };
}
