import { describe, expect, it } from 'vitest';
import { ReleaseError } from '../../src/core/errors.ts';
import { createFakeSession } from '../helpers/fake-transport.ts';
import { createLimiter } from '../../src/transport/limit.ts';
import { openSessions } from '../../src/transport/open.ts';
import type { HostSession, HostTarget } from '../../src/transport/types.ts';

const targets: HostTarget[] = Array.from({ length: 10 }, (_, index) => ({ name: `web${index + 1}`, host: `10.0.0.${index + 1}`, port: 22, user: 'deploy' }));

/** A connect whose calls wait until the test resolves them, counting how many are in flight. */
function gatedConnect() {
  const pending: { target: HostTarget; settle: (outcome: HostSession | ReleaseError) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const connect = (target: HostTarget) =>
    new Promise<HostSession>((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      pending.push({
        target,
        settle: (outcome) => {
          inFlight--;
          if (outcome instanceof ReleaseError) reject(outcome);
          else resolve(outcome);
        },
      });
    });
  return { connect, pending, maxInFlight: () => maxInFlight };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('openSessions', () => {
  it('keeps at most `concurrency` connects in flight and returns every host in order', async () => {
    const gate = gatedConnect();
    const opening = openSessions(gate.connect, targets, { concurrency: 3 });
    await tick();
    expect(gate.pending).toHaveLength(3);
    while (gate.pending.length > 0) {
      const next = gate.pending.shift();
      next?.settle(next.target.name === 'web4' ? new ReleaseError('HOST_KEY_UNKNOWN', 'web4 unknown') : createFakeSession({ target: next.target }));
      await tick();
    }
    const { sessions, failures } = await opening;
    expect(gate.maxInFlight()).toBe(3);
    expect([...sessions.keys()]).toEqual(targets.map((target) => target.name).filter((name) => name !== 'web4'));
    expect([...failures.entries()].map(([name, error]) => [name, error.code])).toEqual([['web4', 'HOST_KEY_UNKNOWN']]);
  });

  it('turns unexpected errors into SSH_CONNECT_FAILED values and reports each result', async () => {
    const seen: string[] = [];
    const { failures } = await openSessions(
      async () => {
        throw new Error('socket hang up');
      },
      targets.slice(0, 2),
      { concurrency: 5, onResult: (target, error) => seen.push(`${target.name}:${error?.code}`) },
    );
    expect(failures.get('web1')?.code).toBe('SSH_CONNECT_FAILED');
    expect(failures.get('web1')?.message).toContain('socket hang up');
    expect(seen.sort()).toEqual(['web1:SSH_CONNECT_FAILED', 'web2:SSH_CONNECT_FAILED']);
  });

  it('does not start connects once the signal is aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const result = await openSessions(
      async (target) => {
        calls++;
        controller.abort();
        return createFakeSession({ target });
      },
      targets.slice(0, 4),
      { concurrency: 1, signal: controller.signal },
    );
    expect(calls).toBe(1);
    expect(result.sessions.size).toBe(1);
    expect([...result.failures.values()].map((error) => error.code)).toEqual(['INTERRUPTED', 'INTERRUPTED', 'INTERRUPTED']);
  });

  it('refuses duplicate names (a bug in the caller)', async () => {
    await expect(openSessions(async (target) => createFakeSession({ target }), [targets[0]!, targets[0]!], { concurrency: 1 })).rejects.toThrow(TypeError);
  });
});

describe('createLimiter', () => {
  it('runs tasks in call order, at most n at once, and frees a slot when a task fails', async () => {
    const limit = createLimiter(2);
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const tasks = [0, 1, 2, 3].map((index) =>
      limit(async () => {
        started.push(index);
        await new Promise<void>((resolve) => releases.push(resolve));
        if (index === 0) throw new Error('boom');
        return index;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    releases[0]?.();
    await expect(tasks[0]).rejects.toThrow('boom');
    await tick();
    expect(started).toEqual([0, 1, 2]);
    for (const release of releases.slice(1)) release();
    await tick();
    releases[3]?.();
    expect(await Promise.all(tasks.slice(1))).toEqual([1, 2, 3]);
  });

  it('rejects a bound below 1', () => {
    expect(() => createLimiter(0)).toThrow(RangeError);
  });
});
