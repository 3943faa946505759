import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EventType } from '../../src/events/types.ts';
import { formatEvent, formatEventLine, formatters, listNames } from '../../src/ui/format.ts';
import { anEvent, SAMPLES } from './events.ts';

const ANSI = /\u001b\[[0-9;]*m/;

describe('formatters', () => {
  it('has exactly one formatter per event type (type level)', () => {
    expectTypeOf<keyof typeof formatters>().toEqualTypeOf<EventType>();
  });

  it('has exactly one formatter per event type (runtime, against one sample per type)', () => {
    expect(Object.keys(formatters).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it.each(Object.values(SAMPLES).map((sample) => [sample.type, sample] as const))('formats %s as one short plain line', (_type, sample) => {
    const line = formatEvent(anEvent(sample));
    expect(line.trim().length).toBeGreaterThan(5);
    expect(line).not.toContain('\n');
    expect(line).not.toMatch(ANSI);
    expect(line).not.toContain('undefined');
    expect(line).not.toContain('[object Object]');
    const subject = 'server' in sample ? sample.server : sample.type === 'command' ? sample.host : undefined;
    if (typeof subject === 'string') expect(line.startsWith(`${subject} `)).toBe(true);
  });

  it('says what happened in the words the log promises', () => {
    expect(formatEvent(anEvent(SAMPLES.connections))).toBe('web3 waiting: 4 connections, 41s to deadline');
    expect(formatEvent(anEvent(SAMPLES.smoke))).toBe('web3 smoke ok (200 in 12 ms)');
    expect(formatEvent(anEvent(SAMPLES['server-draining']))).toBe('web3 draining on lvs1,lvs2 (ipvsadm, weight 100→0)');
    expect(formatEvent(anEvent(SAMPLES['director-action']))).toBe('web3 quiesce on lvs1 TCP 192.168.1.181:80: weight 100→0 done (12 connections)');
    expect(formatEvent(anEvent(SAMPLES['server-finished']))).toBe('web3 released r1 → r2 (34s out of the pool, drain 12s)');
    expect(formatEvent(anEvent(SAMPLES['batch-started']))).toBe('batch 1 started: web1, web2');
    expect(formatEvent(anEvent(SAMPLES.plan))).toBe('plan: 2 batches (1 + 2 servers)');
    expect(formatEvent(anEvent(SAMPLES.command))).toContain('[dry run: not executed]');
    expect(formatEvent(anEvent(SAMPLES['run-started']))).toContain('peak window forced: "hotfix INC-42" (blocked by weekday-morning)');
  });

  it('names the failure of a rolled-back server and of a timed-out drain', () => {
    const rolledBack = formatEvent(
      anEvent({ ...SAMPLES['server-finished'], outcome: 'rolled-back', releaseAfter: 'r1', failedStep: 'deploy #2 app-ctl restart', error: 'exit 1' }),
    );
    expect(rolledBack).toContain('rolled back to r1');
    expect(rolledBack).toContain('failed at deploy #2 app-ctl restart: exit 1');
    const timedOut = formatEvent(anEvent({ ...SAMPLES['server-drained'], timedOut: true, connections: 4, drainMs: 300_000 }));
    expect(timedOut).toBe('web3 drain timed out after 5m00s (4 connections left)');
  });

  it('colours only when asked', () => {
    const failed = anEvent({ ...SAMPLES['step-finished'] });
    expect(formatEvent(failed, { color: true })).toMatch(ANSI);
    expect(formatEvent(failed, { color: false })).not.toMatch(ANSI);
  });

  it('keeps the subject apart for views that show it elsewhere', () => {
    expect(formatEventLine(anEvent(SAMPLES.connections))).toEqual({ subject: 'web3', text: 'waiting: 4 connections, 41s to deadline' });
  });

  it('shortens long server lists', () => {
    expect(listNames(['a', 'b', 'c'], 2)).toBe('a, b +1 more');
    expect(listNames([])).toBe('none');
  });
});
