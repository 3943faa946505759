// A copy of the journal's essentials on every director, so that another machine can run
// `release recover` when the CI runner that crashed is gone, and `promote`, `abort`, `resume` and
// `status` when another CI job paused the run. The local journal stays the authority; the copy is
// written after the events that change what those need. It is the whole replay state: every server
// a run still owes (drained, not restored), whatever ran after that run; the paused run (its plan,
// next batch, who paused it), each server's release before it and whether it was released, and the
// first run's batch, trigger and artifact (path, sha256, size). Fields are only ever added: a copy
// written by an older version still loads (see continuation.ts for what continuing needs of it).
import type { ReleaseEvent } from '../events/types.ts';
import { posix } from 'node:path';
import { sh, type ShellScript } from '../shell/script.ts';
import type { HostSession, RemoteCommand } from '../transport/types.ts';
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

/** The copy's path with a leading `-` written `./-…`, so no command reads it as an option. */
function safePath(path: string): string {
  return path.startsWith('-') ? `./${path}` : path;
}

/** Writes what arrives on stdin atomically (a temp file, then `mv`): the one script of the copy. */
export function writeCopyFromStdinScript(path: string): ShellScript {
  const file = safePath(path);
  return sh`mkdir -p -- ${posix.dirname(file)} && cat > ${`${file}.tmp`} && mv -f -- ${`${file}.tmp`} ${file}`;
}

/** The write on one director, the JSON on stdin (never in a command line, whatever its size). */
export function writeCopyCommand(path: string, copy: JournalCopy): RemoteCommand {
  return { script: writeCopyFromStdinScript(path).text, stdin: `${JSON.stringify(copy)}\n`, mutates: true, timeoutMs: 15_000, label: 'journal copy' };
}

/** `cat -- PATH`: read-only; a missing or unreadable copy is no copy. */
export function readCopyCommand(path: string): RemoteCommand {
  return { argv: ['cat', '--', safePath(path)], mutates: false, timeoutMs: 15_000, label: 'read journal copy' };
}

export async function readCopy(session: HostSession, path: string, signal?: AbortSignal): Promise<JournalCopy | undefined> {
  const result = await session.exec(readCopyCommand(path), signal ? { signal } : {});
  if (!result.ok || result.stdout.trim() === '') return undefined;
  try {
    const copy = JSON.parse(result.stdout) as JournalCopy;
    return copy.version === 1 ? copy : undefined;
  } catch {
    return undefined;
  }
}
