import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createReporter } from '../../src/ui/reporter.ts';
import { aRolledBackRun, stamp } from './events.ts';

// A terminal as the reporter sees one: a stream that says it is a TTY, 100 columns wide.
function fakeTty() {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 100, rows: 40 });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

const SGR = /\u001b\[[0-9;]*m/;
const strip = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('listr2 TTY reporter', () => {
  it('draws the run, its batches and servers, live, and ends with the summary', async () => {
    const out = fakeTty();
    const err = fakeTty();
    const reporter = createReporter({ mode: 'tty', stdout: out.stream, stderr: err.stream, env: { NO_COLOR: '1' }, secrets: ['hunter2'] });
    expect(reporter.mode).toBe('tty');
    const events = aRolledBackRun('hunter2');
    const firstWait = events.findIndex((e) => e.type === 'connections');
    for (const event of events.slice(0, firstWait + 1)) reporter.emit(event);
    // The drain wait shows as a live line under the server.
    await waitFor(() => strip(out.text()).includes('waiting: 3 connections, 60s to deadline'), 'the live connections line');
    for (const event of events.slice(firstWait + 1)) reporter.emit(event);
    await reporter.close();
    const text = strip(out.text());
    for (const name of ['web1', 'web2', 'web3', 'web4']) expect(text).toContain(name);
    expect(text).toContain('batch 2: web3, web4: failed');
    expect(text).toContain('web3: rolled back to r1');
    expect(text).toContain('release r2 → web-prod: finished: rolled back (exit 1)');
    expect(text).toMatch(/server\s+outcome\s+before\s+after/);
    expect(out.text()).not.toContain('hunter2');
    expect(out.text()).not.toMatch(SGR);
  });

  it('colours our words when colour is allowed', async () => {
    const out = fakeTty();
    const reporter = createReporter({ mode: 'tty', stdout: out.stream, stderr: fakeTty().stream, env: {}, secrets: [] });
    for (const event of aRolledBackRun()) reporter.emit(event);
    await reporter.close();
    expect(out.text()).toMatch(SGR);
  });

  it('finishes cleanly when the run stops before any server finishes', async () => {
    const out = fakeTty();
    const reporter = createReporter({ mode: 'tty', stdout: out.stream, stderr: fakeTty().stream, env: { NO_COLOR: '1' }, secrets: [] });
    for (const event of stamp([
      { type: 'run-started', cluster: 'web-prod', release: 'r3', command: 'release', trigger: 'manual', dryRun: false, user: 'u', host: 'h', pid: 1 },
      { type: 'step-started', server: 'web9', phase: 'prepare', step: 1, label: 'upload artifact' },
      { type: 'batch-started', index: 0, servers: ['web9'], purpose: 'release' },
    ])) {
      reporter.emit(event);
    }
    await reporter.close();
    const text = strip(out.text());
    expect(text).toContain('web9: no result (the run ended first)');
    expect(text).toContain('unfinished');
  });

  it('falls back to the plain log when stdout is not a TTY', async () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const reporter = createReporter({ mode: 'tty', stdout: stream, stderr: new PassThrough(), env: {}, secrets: [] });
    expect(reporter.mode).toBe('plain');
    for (const event of aRolledBackRun()) reporter.emit(event);
    await reporter.close();
    expect(text.split('\n')[0]).toMatch(/^2026-11-25T10:00:00\.000Z release r2 on web-prod started/);
  });
});
