// The drain wait: poll a connection count until it stays at or under a threshold for a settle
// period, or a deadline passes. Effects (counting, sleeping) are injected; the end is a value.
import type { Clock } from '../core/clock.ts';
import type { ConnectionCount, CountResult } from './types.ts';

export interface DrainWaitOptions {
  count: (signal: AbortSignal) => Promise<CountResult>;
  threshold: number;
  settleMs: number;
  timeoutMs: number;
  pollMs: number;
  clock: Clock;
  signal: AbortSignal;
  onProgress?: (progress: { count: number; persist: number; remainingMs: number; settledMs: number }) => void;
}

interface WaitTimes {
  durationMs: number;
  /** The count at the start and at the end of the wait (zeros when nothing was counted). */
  first: ConnectionCount;
  last: ConnectionCount;
}

export type DrainWaitResult =
  | ({ kind: 'drained' } & WaitTimes)
  | ({ kind: 'timed-out' } & WaitTimes)
  | ({ kind: 'failed'; error: string } & WaitTimes)
  | ({ kind: 'interrupted' } & WaitTimes);

const NONE: ConnectionCount = { count: 0, persist: 0 };
const FIRST_POLL_MS = 100;

/** Waits until the count has been <= threshold for settleMs; never longer than timeoutMs. */
export async function waitForDrain(options: DrainWaitOptions): Promise<DrainWaitResult> {
  const { clock, signal } = options;
  const start = clock.now().getTime();
  let quietSince: number | undefined;
  let first: ConnectionCount | undefined;
  let last: ConnectionCount = NONE;
  // Poll fast first and back off to pollMs: the wait ends when the connections do, not a period later.
  let interval = Math.min(FIRST_POLL_MS, options.pollMs);
  const times = () => ({ durationMs: clock.now().getTime() - start, first: first ?? last, last });
  for (;;) {
    if (signal.aborted) return { kind: 'interrupted', ...times() };
    const counted = await options.count(signal);
    if (signal.aborted) return { kind: 'interrupted', ...times() };
    if (!counted.ok) return { kind: 'failed', error: counted.error, ...times() };
    last = { count: counted.count, persist: counted.persist };
    first ??= last;
    const now = clock.now().getTime();
    const elapsed = now - start;
    if (last.count <= options.threshold) quietSince ??= now;
    else quietSince = undefined;
    const settledMs = quietSince === undefined ? 0 : now - quietSince;
    const remainingMs = Math.max(0, options.timeoutMs - elapsed);
    options.onProgress?.({ count: last.count, persist: last.persist, remainingMs, settledMs });
    if (quietSince !== undefined && settledMs >= options.settleMs) return { kind: 'drained', ...times() };
    if (elapsed >= options.timeoutMs) return { kind: 'timed-out', ...times() };
    const untilSettled = quietSince === undefined ? interval : options.settleMs - settledMs;
    await clock.sleep(Math.max(1, Math.min(interval, untilSettled, remainingMs)), signal).catch(() => undefined);
    interval = Math.min(interval * 2, options.pollMs);
  }
}
