// The crash journal: an append-only NDJSON file of the run's events. Each line is written and
// fsync'd before emit() returns, so an intent is on disk before its mutation starts.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { eventProblem } from '../events/schema.ts';
import type { ReleaseEvent } from '../events/types.ts';

/** `<journal.dir>/<cluster>.journal.ndjson`: where a cluster's journal lives on this machine. */
export function journalPath(journalDir: string, cluster: string): string {
  return join(journalDir, `${cluster}.journal.ndjson`);
}

export interface JournalWriter {
  readonly path: string;
  append(event: ReleaseEvent): void;
  close(): void;
}

/** Opens (creating) the journal for appending. */
export function openJournal(path: string): JournalWriter {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a', 0o600);
  let open = true;
  return {
    path,
    append(event) {
      if (!open) return;
      writeSync(fd, `${JSON.stringify(event)}\n`);
      fsyncSync(fd);
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/** A line of the journal that is not an event (a torn write, a hand edit, another version). */
export interface InvalidLine {
  line: number;
  problem: string;
}

/**
 * Reads a journal, checking every line against the event schema: replay trusts only what
 * passes. A torn last line (a crash mid-write) is expected and skipped silently; any other
 * line that is not an event is skipped and returned, so the caller can say so.
 */
export function readJournalChecked(path: string): { events: ReleaseEvent[]; invalid: InvalidLine[] } {
  if (!existsSync(path)) return { events: [], invalid: [] };
  const events: ReleaseEvent[] = [];
  const invalid: InvalidLine[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const last = lines.findLastIndex((l) => l.trim() !== '');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // NOTE: only the last line can be torn by a crash.
      if (index !== last) invalid.push({ line: index + 1, problem: 'not JSON' });
      return;
    }
    const problem = eventProblem(value);
    if (problem) invalid.push({ line: index + 1, problem });
    else events.push(value as ReleaseEvent);
  });
  return { events, invalid };
}

/** The events of a journal (lines that are not events are skipped; see readJournalChecked). */
export function readJournal(path: string): ReleaseEvent[] {
  return readJournalChecked(path).events;
}
