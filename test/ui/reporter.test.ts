import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createReporter, isCi, isColorEnabled, resolveMode } from '../../src/ui/reporter.ts';
import { aRolledBackRun } from './events.ts';

const tty = Object.assign(new PassThrough(), { isTTY: true });
const pipe = new PassThrough();

describe('resolveMode', () => {
  it('uses the tree on an interactive terminal outside CI, the plain log otherwise', () => {
    expect(resolveMode('auto', tty, {})).toBe('tty');
    expect(resolveMode('auto', tty, { CI: 'true' })).toBe('plain');
    expect(resolveMode('auto', tty, { GITHUB_ACTIONS: 'true' })).toBe('plain');
    expect(resolveMode('auto', tty, { TERM: 'dumb' })).toBe('plain');
    expect(resolveMode('auto', pipe, {})).toBe('plain');
    expect(resolveMode('tty', pipe, {})).toBe('plain');
    expect(resolveMode('tty', tty, { CI: '1' })).toBe('tty');
    expect(resolveMode('json', tty, {})).toBe('json');
    expect(resolveMode('plain', tty, {})).toBe('plain');
  });

  it('reads CI and colour settings from the injected environment', () => {
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: '' })).toBe(false);
    expect(isCi({ BUILD_NUMBER: '12' })).toBe(true);
    expect(isColorEnabled({})).toBe(true);
    expect(isColorEnabled({ NO_COLOR: '1' })).toBe(false);
    expect(isColorEnabled({ NO_COLOR: '' })).toBe(true);
    expect(isColorEnabled({ FORCE_COLOR: '0' })).toBe(false);
  });
});

describe('createReporter', () => {
  it('ends the plain log with the summary table, redacted, and offers the redacted report', async () => {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const reporter = createReporter({ mode: 'plain', stdout, stderr: new PassThrough(), env: {}, secrets: ['hunter2'] });
    for (const event of aRolledBackRun('hunter2')) reporter.emit(event);
    await reporter.close();
    await reporter.close();
    expect(text).toMatch(/\nrelease r2 on web-prod: rolled back \(exit 1\) in 40s\n/);
    expect(text.match(/^server\s+outcome/gm)).toHaveLength(1);
    expect(text).not.toContain('hunter2');
    const report = reporter.report();
    expect(report.version).toBe(1);
    expect(JSON.stringify(report)).not.toContain('hunter2');
    expect(report.warnings[0]?.message).toBe('templates linger (token=***)');
    expect(reporter.redact('use hunter2')).toBe('use ***');
  });

  it('ignores events after close', async () => {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const reporter = createReporter({ mode: 'plain', stdout, stderr: new PassThrough(), env: {}, secrets: [], summary: false });
    await reporter.close();
    reporter.emit(aRolledBackRun()[0]!);
    expect(text).toBe('');
  });
});
