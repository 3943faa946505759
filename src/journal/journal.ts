// The crash journal: an append-only NDJSON file of the run's events. Each line is written and
// fsync'd before emit() returns, so an intent is on disk before its mutation starts.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** Reads a journal; a torn last line (a crash mid-write) is ignored, never fatal. */
export function readJournal(path: string): ReleaseEvent[] {
  if (!existsSync(path)) return [];
  const events: ReleaseEvent[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as ReleaseEvent);
    } catch {
      // NOTE: only the last line can be torn by a crash; skip it.
    }
  }
  return events;
}
