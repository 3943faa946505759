// exec against a real OpenSSH sshd: results, quoting, sudo shape, timeout and abort that kill.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../helpers/sshd.ts';
import type { HostSession, Transport } from '../../src/transport/types.ts';
import { pgrep, targetOf, transportFor, uniqueSleep, waitFor } from './support.ts';

let sshd: Sshd;
let transport: Transport;
let session: HostSession;

beforeAll(async () => {
  sshd = await startSshd();
  transport = transportFor(sshd);
  session = await transport.connect(targetOf(sshd));
});

afterAll(async () => {
  await session?.close();
  await transport?.close();
  await sshd?.stop();
});

describe('exec on a real sshd', () => {
  it('returns stdout, exit 0 and ok', async () => {
    const result = await session.exec({ argv: ['echo', 'hello'], mutates: false });
    expect(result).toMatchObject({ host: 'web1', command: 'echo hello', ok: true, exitCode: 0, signal: null, stdout: 'hello\n', stderr: '' });
    expect(result).toMatchObject({ timedOut: false, aborted: false, connectionLost: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(session.connected).toBe(true);
  });

  it('returns a non-zero exit and stderr as a value, not a throw', async () => {
    const result = await session.exec({ script: 'echo out; echo oops >&2; exit 3', mutates: false });
    expect(result).toMatchObject({ ok: false, exitCode: 3, stdout: 'out\n', stderr: 'oops\n', timedOut: false, connectionLost: false });
    expect(result.error).toBeUndefined();
  });

  it('feeds stdin, then EOF', async () => {
    const result = await session.exec({ argv: ['sh', '-c', 'cat; echo end'], stdin: 'line1\nline2\n', mutates: false });
    expect(result.stdout).toBe('line1\nline2\nend\n');
  });

  it('gives EOF on stdin when there is none, so a reader does not hang', async () => {
    const result = await session.exec({ argv: ['cat'], mutates: false, timeoutMs: 5000 });
    expect(result).toMatchObject({ ok: true, stdout: '' });
  });

  it('round-trips nasty argv values exactly through shellJoin', async () => {
    const values = [
      'plain',
      'a b',
      "it's",
      '"dq"',
      '$HOME',
      '`id`',
      '$(id)',
      'back\\slash',
      '*',
      '?',
      '[a]',
      '; rm -rf /nonexistent',
      '-n',
      '--',
      '',
      'new\nline',
      'tab\there',
      'żółć 🚀',
      '!',
      '#comment',
      '~',
      '%s%d',
      'a && b',
      'x|y',
      '<in >out',
      "'",
      "''",
      "\\'",
      '{a,b}',
    ];
    const result = await session.exec({ argv: ['printf', '%s\\0', ...values], mutates: false });
    expect(result.ok).toBe(true);
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(values);
    const single = await session.exec({ argv: ['printf', '%s', 'it\'s $HOME `id` "q"'], mutates: false });
    expect(single.stdout).toBe('it\'s $HOME `id` "q"');
  });

  it('sends a script as is', async () => {
    const result = await session.exec({ script: "x='a b'; printf '%s|' $x \"$x\"", mutates: false });
    expect(result.stdout).toBe('a|b|a b|');
  });

  it('prefixes sudo -n to an argv, and never sends a script with sudo (that would be `sudo -n sh -c`)', async () => {
    const argv = await session.exec({ argv: ['true'], sudo: true, mutates: false });
    expect(argv.command).toBe('sudo -n true');
    await expect(session.exec({ script: 'echo "$0"', sudo: true, mutates: false })).rejects.toThrow(TypeError);
    const hasSudo = (await session.exec({ script: 'command -v sudo', mutates: false })).ok;
    if (hasSudo) {
      expect(argv).toMatchObject({ ok: true, exitCode: 0 });
    } else {
      // No sudo on this host: the remote shell really tried to run `sudo` (127 = not found).
      expect(argv).toMatchObject({ ok: false, exitCode: 127 });
      expect(argv.stderr).toMatch(/sudo/);
    }
  });

  it('times out, reports timedOut, and the remote process is gone', async () => {
    const marker = uniqueSleep();
    const dir = join(sshd.dir, 'timeout');
    mkdirSync(dir);
    const started = Date.now();
    const result = await session.exec({ script: `touch ${dir}/started; sleep ${marker}; touch ${dir}/after`, mutates: false, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, timedOut: true, aborted: false, connectionLost: false, exitCode: null });
    expect(result.error).toMatch(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(existsSync(join(dir, 'started'))).toBe(true);
    await waitFor('the timed-out sleep to disappear', () => pgrep(`sleep ${marker}`).length === 0);
    expect(existsSync(join(dir, 'after'))).toBe(false);
    expect(session.connected).toBe(true);
    expect((await session.exec({ argv: ['true'], mutates: false })).ok).toBe(true);
  });

  it('aborts through an AbortSignal and kills the remote process', async () => {
    const marker = uniqueSleep();
    const controller = new AbortController();
    const pending = session.exec({ script: `sleep ${marker}`, mutates: false }, { signal: controller.signal });
    await waitFor('the sleep to start', () => pgrep(`sleep ${marker}`).length > 0);
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ ok: false, aborted: true, timedOut: false, connectionLost: false, exitCode: null });
    await waitFor('the aborted sleep to disappear', () => pgrep(`sleep ${marker}`).length === 0);
  });

  it('does not start a command whose signal is already aborted', async () => {
    const dir = join(sshd.dir, 'pre-aborted');
    const result = await session.exec({ argv: ['mkdir', dir], mutates: true }, { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ ok: false, aborted: true });
    expect(existsSync(dir)).toBe(false);
  });

  it('runs more commands at once than OpenSSH allows channels, by queueing', async () => {
    const results = await Promise.all(
      Array.from({ length: 14 }, (_, index) => session.exec({ argv: ['sh', '-c', 'sleep 0.2; echo "$1"', 'sh', String(index)], mutates: false })),
    );
    expect(results.map((result) => result.stdout.trim())).toEqual(Array.from({ length: 14 }, (_, index) => String(index)));
    expect(results.every((result) => result.ok)).toBe(true);
  });
});
