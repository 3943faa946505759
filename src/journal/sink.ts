// The journal as the run writes it: every event redacted (nothing secret reaches the disk),
// appended and fsync'd before emit() returns, and the essentials copy on every director kept
// current. Copy writes are coalesced: a big cluster sends the latest state, not every step.
import type { ReleaseEvent } from '../events/types.ts';
import { isEssential, toCopy, type JournalCopy } from './director-copy.ts';
import { openJournal, readJournalChecked, type InvalidLine, type JournalWriter } from './journal.ts';
import { replay } from './replay.ts';

export interface JournalSink {
  /** Redacts, appends (fsync'd) and schedules a copy refresh when the event changes the essentials. */
  record(event: ReleaseEvent): void;
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
}

const KEEP_EVENTS = 20_000;

export function openJournalSink(options: JournalSinkOptions): JournalSink {
  const read = readJournalChecked(options.path);
  const events: ReleaseEvent[] = read.events.slice(-KEEP_EVENTS);
  const writer: JournalWriter = openJournal(options.path);
  let copying: Promise<void> | undefined;
  let dirty = false;
  const refreshCopies = () => {
    dirty = true;
    copying ??= (async () => {
      while (dirty) {
        dirty = false;
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
    events: () => events,
    invalid: read.invalid,
    flush: async () => {
      await copying;
    },
    close: () => writer.close(),
  };
}
