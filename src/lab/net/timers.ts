// The lab's network code arms and re-arms many timers (connection expiry, health checks,
// retransmission). It takes this small timer interface so tests can step time without sleeping.

/** Opaque handle returned by `setTimeout`. */
export type TimerHandle = object;

export interface NetClock {
  /** Milliseconds since an arbitrary epoch (monotonic enough for timeouts). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Real timers; unref'd, so lab timers never keep a process alive on their own. */
export const realNetClock: NetClock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface ManualClock extends NetClock {
  /** Fire every timer due within `ms`, in time order, synchronously. */
  advance(ms: number): void;
  /** Like `advance`, but lets promise continuations run after each timer (async checkers). */
  advanceAsync(ms: number): Promise<void>;
  /** Timers still armed. */
  pending(): number;
}

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

const flushMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A clock that moves only when told to: for unit tests of expiry and checker timing. */
export function createManualClock(startMs = 1_000_000): ManualClock {
  let now = startMs;
  let seq = 0;
  const timers = new Set<ManualTimer>();
  const nextDue = (until: number): ManualTimer | undefined => {
    let best: ManualTimer | undefined;
    for (const t of timers) {
      if (t.at <= until && (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq))) best = t;
    }
    return best;
  };
  const fireNext = (until: number): boolean => {
    const timer = nextDue(until);
    if (!timer) return false;
    timers.delete(timer);
    now = Math.max(now, timer.at);
    timer.fn();
    return true;
  };
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const timer: ManualTimer = { at: now + Math.max(0, ms), seq: seq++, fn };
      timers.add(timer);
      return timer;
    },
    clearTimeout(handle) {
      timers.delete(handle as ManualTimer);
    },
    advance(ms) {
      const until = now + ms;
      while (fireNext(until));
      now = until;
    },
    async advanceAsync(ms) {
      const until = now + ms;
      await flushMicrotasks();
      while (fireNext(until)) await flushMicrotasks();
      now = until;
      await flushMicrotasks();
    },
    pending: () => timers.size,
  };
}
