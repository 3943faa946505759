import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { EventInput } from '../../src/events/types.ts';
import { createPlainSink, formatPlainLine } from '../../src/ui/plain.ts';
import { createRedactor } from '../../src/ui/redact.ts';
import { aRolledBackRun, anEvent, SAMPLES, stamp } from './events.ts';

const TIMESTAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S/;

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, lines: () => text.split('\n').filter((l) => l !== '') };
}

describe('plain CI log', () => {
  it('writes one timestamped, redacted, colourless line per event', async () => {
    const out = capture();
    const sink = createPlainSink({ stream: out.stream, redact: createRedactor(['hunter2']) });
    const events = aRolledBackRun('hunter2');
    for (const event of events) sink.emit(event);
    await sink.close();
    const lines = out.lines();
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      expect(line).toMatch(TIMESTAMPED);
      expect(line).not.toContain('hunter2');
      expect(line).not.toMatch(/\u001b/);
    }
    expect(lines[0]).toMatch(/^2026-11-25T10:00:00\.000Z release r2 on web-prod started/);
    expect(lines.join('\n')).toContain('token=***');
    expect(lines.join('\n')).toContain('http://deploy:***@192.168.1.180/');
    expect(lines.some((l) => l.includes('web3 rolled back to r1'))).toBe(true);
  });

  it('keeps multi-line remote output on one line and strips escape sequences from it', () => {
    const event = anEvent({ ...SAMPLES['step-finished'], detail: 'line one\n\u001b[31mline two\u001b[0m\r\n' });
    expect(formatPlainLine(event, (t) => t)).toBe('2026-11-25T10:00:01.234Z web3 deploy #2 FAILED after 1.2s: app-ctl restart (line one | line two)');
  });

  it('masks a private key block that arrives in remote output', () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAB3NzaC1\n-----END OPENSSH PRIVATE KEY-----';
    const line = formatPlainLine(anEvent({ ...SAMPLES['step-finished'], detail: `cat: ${key}` }), createRedactor([]));
    expect(line).toContain('(cat: ***)');
    expect(line).not.toContain('AAAAB3NzaC1');
  });

  it('throttles connections to one line per server per 5 s, plus the last one before the wait ends', async () => {
    const out = capture();
    const sink = createPlainSink({ stream: out.stream, redact: (t) => t });
    const inputs: EventInput[] = [];
    for (let i = 0; i <= 11; i++) {
      inputs.push({ type: 'connections', server: 'web1', count: 12 - i, persist: 0, remainingMs: 60_000 - i * 1000, settledMs: 0 });
    }
    inputs.push({ type: 'server-drained', server: 'web1', drainMs: 12_000, connections: 1, timedOut: false });
    for (const event of stamp(inputs)) sink.emit(event);
    await sink.close();
    const counts = out.lines().map((l) => l.replace(/^\S+ /, ''));
    expect(counts).toEqual([
      'web1 waiting: 12 connections, 60s to deadline',
      'web1 waiting: 7 connections, 55s to deadline',
      'web1 waiting: 2 connections, 50s to deadline',
      'web1 waiting: 1 connection, 49s to deadline',
      'web1 drained in 12s (1 connection left)',
    ]);
  });

  it('throttles each server on its own and flushes held-back lines on close', async () => {
    const out = capture();
    const sink = createPlainSink({ stream: out.stream, redact: (t) => t });
    const inputs: EventInput[] = [
      { type: 'connections', server: 'web1', count: 5, persist: 0, remainingMs: 9000, settledMs: 0 },
      { type: 'connections', server: 'web2', count: 6, persist: 0, remainingMs: 9000, settledMs: 0 },
      { type: 'connections', server: 'web1', count: 4, persist: 0, remainingMs: 8000, settledMs: 0 },
    ];
    for (const event of stamp(inputs)) sink.emit(event);
    expect(out.lines()).toHaveLength(2);
    await sink.close();
    expect(out.lines()).toHaveLength(3);
    expect(out.lines()[2]).toContain('web1 waiting: 4 connections');
  });

  it('hides read-only commands unless verbose, and always shows mutating ones', async () => {
    const read = anEvent({ type: 'command', host: 'lvs1', command: 'ipvsadm -L -n', mutates: false, dryRun: false });
    const write = anEvent({ type: 'command', host: 'lvs1', command: 'ipvsadm -e -t 1.2.3.4:80 -r 5.6.7.8:80 -w 0', mutates: true, dryRun: false });
    const quiet = capture();
    const sink = createPlainSink({ stream: quiet.stream, redact: (t) => t });
    sink.emit(read);
    sink.emit(write);
    expect(quiet.lines()).toEqual(['2026-11-25T10:00:01.234Z lvs1 $ ipvsadm -e -t 1.2.3.4:80 -r 5.6.7.8:80 -w 0']);
    const loud = capture();
    const verbose = createPlainSink({ stream: loud.stream, redact: (t) => t, verbose: true });
    verbose.emit(read);
    expect(loud.lines()).toEqual(['2026-11-25T10:00:01.234Z lvs1 $ ipvsadm -L -n']);
  });
});
