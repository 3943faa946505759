// A dry run's waits take no time: the clock moves forward by each sleep instead. Time spent for
// real (reads over SSH) still counts, so `now()` never goes backwards.
import type { Clock } from '../core/clock.ts';

export function virtualClock(real: Clock): Clock {
  let skipped = 0;
  return {
    now: () => new Date(real.now().getTime() + skipped),
    async sleep(ms, signal) {
      signal?.throwIfAborted();
      skipped += Math.max(0, ms);
      // Let other work run, as a real sleep would.
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}
