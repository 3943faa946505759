// The drain wait: poll a connection count until it stays at or under a threshold for a settle
// period, or a deadline passes. Effects (counting, sleeping) are injected.
import type { Clock } from '../core/clock.ts';

export interface ConnectionCount {
  /** Connections that keep the server busy (ActiveConn, + InActConn in NAT, or `ss`). */
  count: number;
  /** Persistence templates still pointing at the server (shown, not waited on). */
  persist: number;
}

export interface DrainWaitOptions {
  count: (signal: AbortSignal) => Promise<ConnectionCount>;
  threshold: number;
  settleMs: number;
  timeoutMs: number;
  pollMs: number;
  clock: Clock;
  signal: AbortSignal;
  onProgress?: (progress: { count: number; persist: number; remainingMs: number; settledMs: number }) => void;
}

export interface DrainWaitResult {
  drained: boolean;
  timedOut: boolean;
  durationMs: number;
  /** The count at the start and at the end of the wait. */
  first: ConnectionCount;
  last: ConnectionCount;
}

/** Waits until the count has been <= threshold for settleMs; never longer than timeoutMs. */
export async function waitForDrain(options: DrainWaitOptions): Promise<DrainWaitResult> {
  const { clock, signal } = options;
  const start = clock.now().getTime();
  let quietSince: number | undefined;
  let first: ConnectionCount | undefined;
  for (;;) {
    signal.throwIfAborted();
    const current = await options.count(signal);
    first ??= current;
    const now = clock.now().getTime();
    const elapsed = now - start;
    if (current.count <= options.threshold) quietSince ??= now;
    else quietSince = undefined;
    const settledMs = quietSince === undefined ? 0 : now - quietSince;
    const remainingMs = Math.max(0, options.timeoutMs - elapsed);
    options.onProgress?.({ count: current.count, persist: current.persist, remainingMs, settledMs });
    if (quietSince !== undefined && settledMs >= options.settleMs) {
      return { drained: true, timedOut: false, durationMs: elapsed, first, last: current };
    }
    if (elapsed >= options.timeoutMs) {
      return { drained: false, timedOut: true, durationMs: elapsed, first, last: current };
    }
    const untilSettled = quietSince === undefined ? options.pollMs : options.settleMs - settledMs;
    await clock.sleep(Math.max(1, Math.min(options.pollMs, untilSettled, remainingMs)), signal);
  }
}
