// The CI log: one timestamped line per event, no colour, no cursor movement, progress throttled per server.

import type { EventOf, ReleaseEvent } from '../events/types.ts';
import { formatEvent } from './format.ts';
import type { Redact } from './redact.ts';
import { cleanField, mapStrings, toOneLine } from './sanitize.ts';
import type { EventSink, OutputStream } from './sink.ts';

export interface PlainSinkOptions {
  stream: OutputStream;
  redact: Redact;
  /** At most one progress line (`connections`, `upload-progress`) per server and kind per this many ms,
   *  by the events' own timestamps. Default 5000. */
  throttleMs?: number;
  /** Also log read-only `command` events (every poll of ipvsadm); default false: mutating and dry-run ones only. */
  verbose?: boolean;
}

type ProgressEvent = EventOf<'connections'> | EventOf<'upload-progress'>;

function isProgress(event: ReleaseEvent): event is ProgressEvent {
  return event.type === 'connections' || event.type === 'upload-progress';
}

/** The last progress event of a wait is always worth a line: a finished upload. */
function isFinalProgress(event: ProgressEvent): boolean {
  return event.type === 'upload-progress' && event.sent >= event.total;
}

/** `2026-11-25T10:00:01.234Z web3 drained in 12s …`: redacted, escape-free, one physical line. */
export function formatPlainLine(event: ReleaseEvent, redact: Redact): string {
  const text = formatEvent(mapStrings(event, cleanField), { color: false });
  return `${event.at} ${toOneLine(redact(text))}`;
}

export function createPlainSink(options: PlainSinkOptions): EventSink {
  const throttleMs = options.throttleMs ?? 5000;
  // Per server and kind: when its last progress line was written, and the newest one held back since.
  const lastShown = new Map<string, number>();
  const heldBack = new Map<string, ProgressEvent>();

  const write = (event: ReleaseEvent): void => {
    options.stream.write(`${formatPlainLine(event, options.redact)}\n`);
  };

  // The wait is over (something else happened to the server): its newest held-back progress comes first.
  const flushServer = (server: string): void => {
    for (const type of ['connections', 'upload-progress'] as const) {
      const key = `${type} ${server}`;
      const held = heldBack.get(key);
      lastShown.delete(key);
      if (held === undefined) continue;
      heldBack.delete(key);
      write(held);
    }
  };

  const emit = (event: ReleaseEvent): void => {
    if (event.type === 'command' && !options.verbose && !event.mutates && !event.dryRun) return;
    if (isProgress(event)) {
      const key = `${event.type} ${event.server}`;
      const at = Date.parse(event.at);
      const last = lastShown.get(key);
      if (last !== undefined && at - last < throttleMs && !isFinalProgress(event)) {
        heldBack.set(key, event);
        return;
      }
      heldBack.delete(key);
      lastShown.set(key, at);
      write(event);
      return;
    }
    if ('server' in event && typeof event.server === 'string') flushServer(event.server);
    write(event);
  };

  const close = async (): Promise<void> => {
    for (const [key, held] of [...heldBack]) {
      heldBack.delete(key);
      write(held);
    }
  };

  return { emit, close };
}
