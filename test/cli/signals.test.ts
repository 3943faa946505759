// Interruption (DESIGN "Cancellation"): SIGTERM stops a run like SIGINT does (CI systems, systemd and
// container runtimes send it); the same signal twice exits at once; a supervisor's escalation
// (GitHub Actions: SIGINT, then SIGTERM 7.5 s later) does not cut the put-back short.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { watchInterrupts, type SignalSource } from '../../src/cli/signals.ts';
import { capturedIo } from './support.ts';

function watch() {
  const source = new EventEmitter();
  const { io, stderr } = capturedIo('/tmp');
  let hardExits = 0;
  const interruption = watchInterrupts(io, () => hardExits++, source as unknown as SignalSource);
  const send = (signal: NodeJS.Signals) => source.emit(signal, signal);
  return { source, interruption, send, stderr, hardExits: () => hardExits };
}

describe('watchInterrupts', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)("the first %s stops new work (the run's stop signal aborts) and does not exit", (signal) => {
    const w = watch();
    expect(w.interruption.stop.aborted).toBe(false);
    w.send(signal);
    expect(w.interruption.stop.aborted).toBe(true);
    expect(String(w.interruption.stop.reason)).toContain(signal);
    expect(w.hardExits()).toBe(0);
    expect(w.stderr()).toMatch(new RegExp(`${signal}: stopping: no new batch starts; servers in flight finish or roll back and are restored`));
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('the same signal again (%s twice) exits at once and names `release recover`', (signal) => {
    const w = watch();
    w.send(signal);
    w.send(signal);
    expect(w.hardExits()).toBe(1);
    expect(w.stderr()).toMatch(new RegExp(`${signal} again: exiting now.*release recover`));
  });

  it("GitHub's cancel (SIGINT, then SIGTERM) keeps putting the servers back; only a repeated signal exits", () => {
    const w = watch();
    w.send('SIGINT');
    w.send('SIGTERM');
    expect(w.hardExits()).toBe(0);
    expect(w.stderr()).toMatch(/SIGTERM after SIGINT: still putting the servers in flight back into the pool/);
    w.send('SIGTERM');
    expect(w.hardExits()).toBe(1);
  });

  it('dispose removes its handlers', () => {
    const w = watch();
    expect(w.source.listenerCount('SIGINT')).toBe(1);
    expect(w.source.listenerCount('SIGTERM')).toBe(1);
    w.interruption.dispose();
    expect(w.source.listenerCount('SIGINT') + w.source.listenerCount('SIGTERM')).toBe(0);
  });
});
