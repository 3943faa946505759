// The run-once `before` of a release is part of the journal's state, so the copy on the
// directors tells a promote on another machine that it already ran.
import { describe, expect, it } from 'vitest';
import type { EventInput, ReleaseEvent } from '../../src/events/types.ts';
import { fromCopy, toCopy } from '../../src/journal/director-copy.ts';
import { replay } from '../../src/journal/replay.ts';

let clock = Date.parse('2026-11-25T04:00:00Z');
const ev = (runId: string, event: EventInput): ReleaseEvent => {
  clock += 1000;
  return { ...event, at: new Date(clock).toISOString(), runId } as ReleaseEvent;
};
const started = (runId: string, release: string, command: 'release' | 'promote' = 'release') =>
  ev(runId, { type: 'run-started', cluster: 'test', release, command, trigger: 'ci', user: 'u', host: 'h', pid: 1 });

describe('the journal state of a run-once before', () => {
  it('records a before that finished for the release, keeps it across the canary pause and in the copy, and forgets it on the next release', () => {
    const canary = [
      started('c1', 'r2'),
      ev('c1', { type: 'once-finished', phase: 'before', release: 'r2', on: 'web1', ok: true, durationMs: 10 }),
      ev('c1', { type: 'paused', reason: 'canary', resumeWith: 'release promote | release abort', nextBatch: 1 }),
      ev('c1', { type: 'run-finished', outcome: 'paused', exitCode: 0 }),
    ];
    const state = replay(canary);
    expect(state.before).toMatchObject({ runId: 'c1', on: 'web1' });
    // Another machine reads the copy on the directors.
    expect(fromCopy(JSON.parse(JSON.stringify(toCopy(state)))).before).toMatchObject({ runId: 'c1', on: 'web1' });
    expect(replay([...canary, started('p1', 'r2', 'promote')]).before).toMatchObject({ runId: 'c1' });
    expect(replay([...canary, started('n1', 'r3')]).before).toBeNull();
  });

  it('does not record a before that failed', () => {
    const state = replay([
      started('c1', 'r2'),
      ev('c1', { type: 'once-finished', phase: 'before', release: 'r2', on: 'controller', ok: false, durationMs: 10 }),
    ]);
    expect(state.before ?? null).toBeNull();
  });
});
