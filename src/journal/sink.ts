// The journal as the run writes it: every event redacted (nothing secret reaches the disk),
// written before emit() returns and fsync'd before the next change to a host (durable()), and the essentials copy on every director kept
// current. Copy writes are coalesced: a big cluster sends the latest state, not every step.
import type { ReleaseEvent } from '../events/types.ts';
import { isEssential, toCopy, type JournalCopy } from './director-copy.ts';
import { openJournal, readJournalChecked, type InvalidLine, type JournalWriter } from './journal.ts';
import { replay } from './replay.ts';

export interface JournalSink {
  /** Redacts, appends and schedules a copy refresh when the event changes the essentials. */
  record(event: ReleaseEvent): void;
  /** Resolves when every event recorded so far is on the disk (the write-ahead barrier). */
  durable(): Promise<void>;
  /** This machine's journal so far (the last 20 000 events of earlier runs, then this run's). */
  events(): readonly ReleaseEvent[];
  /** Lines of the journal on disk that were not events (skipped: replay never sees them). */
  readonly invalid: readonly InvalidLine[];
  /** Waits for the copy writes in flight. */
  flush(): Promise<void>;
  close(): void;
}

export interface JournalSinkOptions {
  path: string;
  redact: (event: ReleaseEvent) => ReleaseEvent;
  /** Writes the essentials to every director (best effort: the local journal rules). */
  writeCopy: (copy: JournalCopy) => Promise<void>;
  /** At most one copy write per this interval (default 1 s); flush() writes the last one at once. */
  copyIntervalMs?: number;
}

const KEEP_EVENTS = 20_000;

export function openJournalSink(options: JournalSinkOptions): JournalSink {
  const read = readJournalChecked(options.path);
  const events: ReleaseEvent[] = read.events.slice(-KEEP_EVENTS);
  const writer: JournalWriter = openJournal(options.path);
  let copying: Promise<void> | undefined;
  let dirty = false;
  // NOTE: the local journal is the record (on the disk before each change); the directors' copy is for
  // another machine's recover/promote, so a second of lag costs nothing there, while a copy per
  // event cost a director an exec per step of every server (66 of 146 at 20 servers).
  let skipPause: (() => void) | undefined;
  let flushing = false;
  let lastWrite = Number.NEGATIVE_INFINITY;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (flushing) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        skipPause = undefined;
        resolve();
      }
      skipPause = done;
    });
  const refreshCopies = () => {
    dirty = true;
    copying ??= (async () => {
      while (dirty) {
        const wait = lastWrite + (options.copyIntervalMs ?? 1000) - Date.now();
        if (wait > 0) await pause(wait);
        dirty = false;
        lastWrite = Date.now();
        await options.writeCopy(toCopy(replay(events))).catch(() => undefined);
      }
      copying = undefined;
    })();
  };
  return {
    record(event) {
      const safe = options.redact(event);
      writer.append(safe);
      events.push(safe);
      if (isEssential(event)) refreshCopies();
    },
    durable: () => writer.durable(),
    events: () => events,
    invalid: read.invalid,
    flush: async () => {
      flushing = true;
      skipPause?.();
      await copying;
    },
    close: () => writer.close(),
  };
}
