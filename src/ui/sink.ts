// What every output mode implements: the reporter feeds it events and closes it once.

import type { ReleaseEvent } from '../events/types.ts';

export interface EventSink {
  emit(event: ReleaseEvent): void;
  /** Flushes what is pending and lets go of the streams; resolves when the last byte is written. */
  close(): Promise<void>;
}

/** A stream as the CLI injects it (process.stdout, a test's PassThrough). */
export type OutputStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
