// A copy of the journal's essentials on every director, so that another machine can run
// `release recover` when the CI runner that crashed is gone. The local journal stays the
// authority; the copy is written after the events that change what recover needs.
import type { ReleaseEvent } from '../events/types.ts';
import { shellQuote as q } from '../shell/quote.ts';
import type { HostSession } from '../transport/types.ts';
import type { RunJournalState, ServerJournalState } from './replay.ts';

export interface JournalCopy {
  version: 1;
  state: Omit<RunJournalState, 'servers'> & { servers: ServerJournalState[] };
}

/** Events after which the copy is refreshed. */
export function isEssential(event: ReleaseEvent): boolean {
  return ['run-started', 'preflight', 'plan', 'server-draining', 'server-restored', 'release-switch', 'server-finished', 'marked-bad', 'paused', 'run-finished'].includes(event.type);
}

export function toCopy(state: RunJournalState): JournalCopy {
  return { version: 1, state: { ...state, servers: [...state.servers.values()] } };
}

export function fromCopy(copy: JournalCopy): RunJournalState {
  return { ...copy.state, servers: new Map(copy.state.servers.map((s) => [s.server, s])) };
}

export function copyPath(lockPath: string): string {
  return `${lockPath.replace(/\.lock$/, '')}.journal.json`;
}

/** Writes atomically (temp file, then mv) on one director. */
export function writeCopyScript(path: string, copy: JournalCopy): string {
  return `mkdir -p "$(dirname ${q(path)})" && printf '%s\\n' ${q(JSON.stringify(copy))} > ${q(`${path}.tmp`)} && mv -f ${q(`${path}.tmp`)} ${q(path)}`;
}

export async function readCopy(session: HostSession, path: string): Promise<JournalCopy | undefined> {
  const result = await session.exec({ script: `cat ${q(path)} 2>/dev/null || true`, mutates: false, timeoutMs: 15_000, label: 'read journal copy' });
  if (!result.ok || result.stdout.trim() === '') return undefined;
  try {
    const copy = JSON.parse(result.stdout) as JournalCopy;
    return copy.version === 1 ? copy : undefined;
  } catch {
    return undefined;
  }
}
