// What the journal owes: this machine's journal, or the essentials copy on the directors when it
// is newer (another machine ran last) or this machine has none. Every cluster-changing command
// reads it once its lock is held; all but `recover` refuse while a server is owed.
import type { Cluster } from '../config/types.ts';
import { ReleaseError } from '../core/errors.ts';
import type { ReleaseEvent } from '../events/types.ts';
import { copyPath, fromCopy, pickJournal, readCopy } from '../journal/director-copy.ts';
import { journalPath, readJournal } from '../journal/journal.ts';
import { owedServers, replay, type RunJournalState } from '../journal/replay.ts';
import type { DirectorHandle } from '../lb/directors.ts';

export interface LoadedJournal {
  state: RunJournalState;
  /** 'local', or the director whose copy it is. */
  from: string;
}

/** Reads this machine's journal (`events`, default: the file) and every director's copy; picks the newer. */
export async function loadJournalState(input: {
  cluster: Cluster;
  directors: readonly DirectorHandle[];
  events?: () => readonly ReleaseEvent[];
  signal?: AbortSignal;
}): Promise<LoadedJournal> {
  const events = input.events?.() ?? readJournal(journalPath(input.cluster.journalDir, input.cluster.name));
  const path = copyPath(input.cluster.lock.path);
  const copies = await Promise.all(
    input.directors.map(async (d) => {
      const copy = await readCopy(d.session, path, input.signal).catch(() => undefined);
      return copy ? [{ director: d.name, state: fromCopy(copy) }] : [];
    }),
  );
  return pickJournal(replay(events), copies.flat());
}

function describeRun(state: RunJournalState, runId: string | undefined, release: string | null | undefined): string {
  if (!runId) return 'an earlier run';
  const what = `run ${runId}${release ? ` (release ${release})` : ''}`;
  if (runId !== state.runId) return `${what}, an earlier run`;
  if (!state.finished) return `${what}, which did not finish`;
  return `${what}, which ended ${state.outcome ?? 'without an outcome'}`;
}

/** The refusal (exit 3) while servers are owed, or undefined. It names them, their run, and recover. */
export function owedRefusal(loaded: LoadedJournal): ReleaseError | undefined {
  const owed = owedServers(loaded.state);
  if (owed.length === 0) return undefined;
  const byRun = new Map<string, { names: string[]; runId: string | undefined; release: string | null | undefined }>();
  for (const s of owed) {
    const key = s.drained?.runId ?? '';
    const entry = byRun.get(key) ?? { names: [], runId: s.drained?.runId, release: s.drained?.release };
    entry.names.push(s.server);
    byRun.set(key, entry);
  }
  const parts = [...byRun.values()].map((r) => `${r.names.join(', ')} by ${describeRun(loaded.state, r.runId, r.release)}`);
  const source = loaded.from === 'local' ? 'the journal' : `the journal's copy on ${loaded.from}`;
  return new ReleaseError(
    'SERVERS_OWED',
    `${owed.length === 1 ? 'A server was' : `${owed.length} servers were`} left out of the pool and never put back: ${parts.join('; ')}. Their saved weights and releases are in ${source}. Nothing was changed.`,
    {
      hint: 'Run `release recover` first: it verifies them and puts them back with their recorded weights and release; then run this again.',
      details: { servers: owed.map((s) => s.server), from: loaded.from },
    },
  );
}
