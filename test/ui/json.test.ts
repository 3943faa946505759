import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createJsonSink } from '../../src/ui/json.ts';
import { createRedactor } from '../../src/ui/redact.ts';
import { createReporter } from '../../src/ui/reporter.ts';
import { aRolledBackRun, anEvent, SAMPLES } from './events.ts';

function capture() {
  const stream = Object.assign(new PassThrough(), { isTTY: true });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('--json output', () => {
  it('writes each event as one JSON object per line, redacted', async () => {
    const out = capture();
    const sink = createJsonSink({ stream: out.stream, redact: createRedactor(['hunter2']) });
    const events = aRolledBackRun('hunter2');
    for (const event of events) sink.emit(event);
    await sink.close();
    const lines = out.text().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(events.length);
    const parsed = lines.map((line) => JSON.parse(line) as { type: string; at: string });
    expect(parsed.map((e) => e.type)).toEqual(events.map((e) => e.type));
    expect(out.text()).not.toContain('hunter2');
    expect(parsed[0]).toEqual({ schemaVersion: 1, ...events[0] });
  });

  it('keeps a private key in a field out of the line, with the line still valid JSON', () => {
    const out = capture();
    const sink = createJsonSink({ stream: out.stream, redact: createRedactor([]) });
    sink.emit(anEvent({ ...SAMPLES['step-finished'], detail: '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----' }));
    const event = JSON.parse(out.text()) as { detail: string };
    expect(event.detail).toBe('***');
  });

  it('puts nothing but events on stdout, even on a TTY and at the end of the run', async () => {
    const out = capture();
    const err = capture();
    const reporter = createReporter({ mode: 'json', stdout: out.stream, stderr: err.stream, env: {}, secrets: [] });
    const events = aRolledBackRun();
    for (const event of events) reporter.emit(event);
    await reporter.close();
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(events.length);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(err.text()).toBe('');
  });
});
