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
    // 5 (t0) 3 (t1) 0 (t2) 0 (t3) 0 (t4): settled 2 s at t4.
    expect(result.durationMs).toBe(4000);
    expect(progress).toEqual([5, 3, 0, 0, 0]);
  });

  it('restarts the settle period when connections come back', async () => {
    const clock = fakeClock();
    const result = await waitForDrain({ ...base, clock, count: counts(0, 1, 0, 0, 0) });
    expect(result.kind).toBe('drained');
    expect(result.durationMs).toBe(4000);
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
    expect(result).toMatchObject({ kind: 'drained', durationMs: 1000 });
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    const result = await waitForDrain({ ...base, signal: controller.signal, clock: fakeClock(), count: counts(3) });
    expect(result.kind).toBe('interrupted');
  });

  it('ends with the counter\'s failure as a value', async () => {
    const result = await waitForDrain({ ...base, clock: fakeClock(), count: async () => ({ ok: false, error: 'web1: ss not found' }) });
    expect(result).toMatchObject({ kind: 'failed', error: 'web1: ss not found' });
  });
});
