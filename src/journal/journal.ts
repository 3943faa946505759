// The crash journal: an append-only NDJSON file of the run's events. Each line is written
// (write(2): in the kernel, so a crash or kill -9 of this process loses nothing) before emit()
// returns; the fsync that makes it survive the machine's own crash runs off the event loop,
// one for every line written meanwhile (group commit), and every change to a host waits for it
// (journal/write-ahead.ts): an intent is on disk before its mutation starts.
import { closeSync, existsSync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { eventProblem } from '../events/schema.ts';
import type { ReleaseEvent } from '../events/types.ts';

/** `<journal.dir>/<cluster>.journal.ndjson`: where a cluster's journal lives on this machine. */
export function journalPath(journalDir: string, cluster: string): string {
  return join(journalDir, `${cluster}.journal.ndjson`);
}

export interface JournalWriter {
  readonly path: string;
  /** Writes the line at once; durable() says when it is on the disk. */
  append(event: ReleaseEvent): void;
  /** Resolves when every line appended before the call is on the disk (fsync'd); rejects if it cannot be. */
  durable(): Promise<void>;
  /** Syncs what is left and closes. */
  close(): void;
}

export interface JournalWriterOptions {
  /** The fsync to use (tests count them); node:fs's by default. */
  fsync?: (fd: number, done: (error: Error | null) => void) => void;
}

/** Opens (creating) the journal for appending. */
export function openJournal(path: string, options: JournalWriterOptions = {}): JournalWriter {
  const sync = options.fsync ?? fsync;
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a', 0o600);
  let open = true;
  /** Lines written, and lines known to be on the disk. */
  let written = 0;
  let synced = 0;
  let syncing = false;
  let failure: Error | undefined;
  let waiters: { upTo: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  const settle = () => {
    const ready = waiters.filter((w) => failure !== undefined || w.upTo <= synced);
    waiters = waiters.filter((w) => !ready.includes(w));
    for (const w of ready) {
      if (failure) w.reject(failure);
      else w.resolve();
    }
  };
  // One fsync at a time, started on the next turn of the event loop so that every line written in
  // this one (a whole batch's intents) rides on it; what is written while it runs waits for the next.
  const syncNow = () => {
    if (syncing || !open || waiters.length === 0) return;
    syncing = true;
    setImmediate(() => {
      if (!open) {
        syncing = false;
        return;
      }
      const upTo = written;
      sync(fd, (error) => {
        syncing = false;
        if (error) failure = new Error(`could not sync the journal ${path}: ${error.message}`);
        else synced = Math.max(synced, upTo);
        settle();
        syncNow();
      });
    });
  };
  return {
    path,
    append(event) {
      if (!open) return;
      writeSync(fd, `${JSON.stringify(event)}\n`);
      written++;
    },
    durable() {
      if (failure) return Promise.reject(failure);
      if (synced >= written || !open) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiters.push({ upTo: written, resolve, reject });
        syncNow();
      });
    },
    close() {
      if (!open) return;
      open = false;
      fsyncSync(fd);
      synced = written;
      settle();
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
