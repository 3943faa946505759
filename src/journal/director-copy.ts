// A copy of the journal's essentials on every director, so that another machine can run
// `release recover` when the CI runner that crashed is gone. The local journal stays the
// authority; the copy is written after the events that change what recover needs. It keeps every
// server a run still owes (drained, not restored), whatever ran after that run.
import type { ReleaseEvent } from '../events/types.ts';
import { shellQuote as q } from '../shell/quote.ts';
import type { HostSession } from '../transport/types.ts';
import { deserializeState, serializeState, STATE_EVENTS, type RunJournalState, type SerializedState } from './replay.ts';

export interface JournalCopy {
  version: 1;
  state: SerializedState;
}

/** Events after which the copy is refreshed. */
export function isEssential(event: ReleaseEvent): boolean {
  return STATE_EVENTS.includes(event.type);
}

export function toCopy(state: RunJournalState): JournalCopy {
  return { version: 1, state: serializeState(state) };
}

export function fromCopy(copy: JournalCopy): RunJournalState {
  return deserializeState(copy.state);
}

export function copyPath(lockPath: string): string {
  return `${lockPath.replace(/\.lock$/, '')}.journal.json`;
}

/** True when the state knows of no run and owes nothing (an empty or missing journal). */
export function isBlank(state: RunJournalState): boolean {
  return state.runId === null && [...state.servers.values()].every((s) => s.drained === null);
}

/**
 * The state to start from: this machine's journal, unless it knows nothing or a director's copy
 * changed later (another machine ran after it). Same machine: the copy is written after the
 * journal, so it is never later.
 */
export function pickJournal(local: RunJournalState, copies: readonly { director: string; state: RunJournalState }[]): { state: RunJournalState; from: string } {
  let best: { state: RunJournalState; from: string } = { state: local, from: 'local' };
  for (const copy of copies) {
    if (isBlank(copy.state)) continue;
    const later = (copy.state.updatedAt ?? '') > (best.state.updatedAt ?? '');
    if (isBlank(best.state) || later) best = { state: copy.state, from: copy.director };
  }
  return best;
}

/** Writes atomically (temp file, then mv) on one director. */
export function writeCopyScript(path: string, copy: JournalCopy): string {
  return `mkdir -p "$(dirname ${q(path)})" && printf '%s\\n' ${q(JSON.stringify(copy))} > ${q(`${path}.tmp`)} && mv -f ${q(`${path}.tmp`)} ${q(path)}`;
}

export async function readCopy(session: HostSession, path: string, signal?: AbortSignal): Promise<JournalCopy | undefined> {
  const result = await session.exec({ script: `cat ${q(path)} 2>/dev/null || true`, mutates: false, timeoutMs: 15_000, label: 'read journal copy' }, signal ? { signal } : {});
  if (!result.ok || result.stdout.trim() === '') return undefined;
  try {
    const copy = JSON.parse(result.stdout) as JournalCopy;
    return copy.version === 1 ? copy : undefined;
  } catch {
    return undefined;
  }
}
