// A clock whose sleeps advance virtual time at once: waits can be tested without waiting.
import type { Clock } from '../../src/core/clock.ts';

export interface FakeClock extends Clock {
  advance(ms: number): void;
  sleeps: number[];
}

export function fakeClock(start = '2026-11-25T02:00:00Z'): FakeClock {
  let now = new Date(start).getTime();
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
    async sleep(ms, signal) {
      signal?.throwIfAborted();
      sleeps.push(ms);
      now += ms;
    },
  };
}
