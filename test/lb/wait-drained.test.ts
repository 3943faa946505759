import { describe, expect, it } from 'vitest';
import type { CountResult } from '../../src/lb/types.ts';
import { waitForDrain } from '../../src/lb/wait-drained.ts';
import { fakeClock } from '../helpers/fake-clock.ts';

function counts(...values: number[]) {
  let i = 0;
  return async (): Promise<CountResult> => ({ ok: true, count: values[Math.min(i++, values.length - 1)] ?? 0, persist: 0 });
}

const base = { threshold: 0, settleMs: 2000, timeoutMs: 60_000, pollMs: 1000, signal: new AbortController().signal };

describe('waitForDrain', () => {
  it('ends once the count stays at zero for the settle period', async () => {
    const clock = fakeClock();
    const progress: number[] = [];
    const result = await waitForDrain({ ...base, clock, count: counts(5, 3, 0, 0, 0, 0), onProgress: (p) => progress.push(p.count) });
    expect(result).toMatchObject({ kind: 'drained', first: { count: 5 }, last: { count: 0 } });
    // Polls back off 100, 200, 400, 800 ms, then every 1 s: 5 (t0) 3 (t100) 0 (t300) 0 (t700)
    // 0 (t1500) 0 (t2300): settled 2 s at t2300.
    expect(result.durationMs).toBe(2300);
    expect(progress).toEqual([5, 3, 0, 0, 0, 0]);
  });

  it('restarts the settle period when connections come back', async () => {
    const clock = fakeClock();
    const result = await waitForDrain({ ...base, clock, count: counts(0, 1, 0, 0, 0, 0) });
    expect(result.kind).toBe('drained');
    // 0 (t0) 1 (t100) 0 (t300) ... settled 2 s again from t300.
    expect(result.durationMs).toBe(2300);
  });

  it('ends within the first fast poll of the last connection closing, not a poll period later', async () => {
    const clock = fakeClock();
    const result = await waitForDrain({ ...base, settleMs: 0, pollMs: 1000, clock, count: counts(1, 0) });
    expect(result).toMatchObject({ kind: 'drained', durationMs: 100 });
    expect(clock.sleeps).toEqual([100]);
  });

  it('times out at the deadline and says so', async () => {
    const clock = fakeClock();
    const result = await waitForDrain({ ...base, timeoutMs: 5000, clock, count: counts(7) });
    expect(result).toMatchObject({ kind: 'timed-out', last: { count: 7 } });
    expect(result.durationMs).toBe(5000);
  });

  it('accepts a threshold above zero', async () => {
    const clock = fakeClock();
    const result = await waitForDrain({ ...base, threshold: 2, settleMs: 0, clock, count: counts(9, 2) });
    expect(result).toMatchObject({ kind: 'drained', durationMs: 100 });
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    const result = await waitForDrain({ ...base, signal: controller.signal, clock: fakeClock(), count: counts(3) });
    expect(result.kind).toBe('interrupted');
  });

  it("ends with the counter's failure as a value", async () => {
    const result = await waitForDrain({ ...base, clock: fakeClock(), count: async () => ({ ok: false, error: 'web1: ss not found' }) });
    expect(result).toMatchObject({ kind: 'failed', error: 'web1: ss not found' });
  });
});
