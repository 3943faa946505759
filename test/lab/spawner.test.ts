// The lab's spawner process, with real shells: what runs where, the bytes both ways, flow control,
// signals, and what happens when it or its parent goes away.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnShellDirect } from '../../src/lab/host/spawner-direct.ts';
import { WINDOW_BYTES } from '../../src/lab/host/spawner-protocol.ts';
import { type ShellOptions, spawnShell, stopSpawner } from '../../src/lab/host/spawner.ts';
import { tailOf, watchExit } from './child-exit.ts';
import { waitFor } from './host/support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SPAWNER_MODULE = fileURLToPath(new URL('../../src/lab/host/spawner.ts', import.meta.url));
const ENV = { PATH: '/usr/bin:/bin', LAB_TEST: 'spawner' };

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lvs-spawner-'));
});
afterAll(async () => {
  stopSpawner();
  await rm(dir, { recursive: true, force: true });
});

/** A destination that keeps what it is given; `hold` keeps its write callbacks until released. */
function aSink({ hold = false } = {}) {
  const chunks: Buffer[] = [];
  const held: (() => void)[] = [];
  let holding = hold;
  const stream = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      if (holding) held.push(callback);
      else callback();
    },
  });
  return {
    stream,
    bytes: () => chunks.reduce((sum, c) => sum + c.length, 0),
    data: () => Buffer.concat(chunks),
    release: () => {
      holding = false;
      for (const callback of held.splice(0)) callback();
    },
  };
}

function aShell(command: string, overrides: Partial<ShellOptions> = {}) {
  const stdin = new PassThrough();
  const stdout = aSink();
  const stderr = aSink();
  const shell = spawnShell({ args: ['-c', command], cwd: dir, env: ENV, stdin, stdout: stdout.stream, stderr: stderr.stream, ...overrides });
  return { shell, stdin, stdout, stderr };
}

async function run(command: string, input?: Buffer) {
  const s = aShell(command);
  s.stdin.end(input);
  const exit = await s.shell.exited;
  return { exit, stdout: s.stdout.data(), stderr: s.stderr.data() };
}

/** Fields of /proc/PID/stat after the command name: [state, ppid, pgrp, session, …]. */
function statOf(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

// Gone once it no longer exists or is a zombie nobody reaped (containers' PID 1 may not).
function isAlive(pid: number): boolean {
  try {
    return statOf(pid)[0] !== 'Z';
  } catch {
    return false;
  }
}

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');

async function pidFile(name: string): Promise<number> {
  const path = join(dir, name);
  await waitFor(() => existsSync(path) && readFileSync(path, 'utf8').endsWith('\n'), 20_000, name);
  return Number(readFileSync(path, 'utf8'));
}

/** The spawner now: the parent of a shell it starts. */
async function spawnerPid(): Promise<number> {
  const r = await run('echo $PPID');
  return Number(r.stdout.toString());
}

describe('lab spawner', () => {
  it('forks each shell in the spawner process, in its own process group, in cwd with exactly env', async () => {
    const r = await run('cat /proc/$$/stat; echo $$; pwd; env | sort');
    expect(r.exit).toEqual({ kind: 'exit', code: 0, signal: null });
    const [stat = '', pid = '', cwd = '', ...env] = r.stdout.toString().trimEnd().split('\n');
    const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(Number(ppid)).not.toBe(process.pid);
    expect(cmdline(Number(ppid))).toMatch(/spawner-child\.ts/);
    expect(pgrp).toBe(pid);
    expect(cwd).toBe(dir);

    const stdin = new PassThrough();
    const direct = aSink();
    stdin.end();
    const directShell = spawnShellDirect({ args: ['-c', 'env | sort'], cwd: dir, env: ENV, stdin, stdout: direct.stream, stderr: new PassThrough() });
    await directShell.exited;
    expect(env.join('\n')).toBe(direct.data().toString().trimEnd());
  });

  it('passes stdin, stdout and stderr byte for byte, in order per stream', async () => {
    const input = randomBytes(3 * 1024 * 1024);
    const echoed = await run('cat', input);
    expect(echoed.exit).toEqual({ kind: 'exit', code: 0, signal: null });
    expect(echoed.stdout.equals(input)).toBe(true);

    const both = await run('cat >&2; printf "\\000\\377end"', input);
    expect(both.stderr.equals(input)).toBe(true);
    expect([...both.stdout]).toEqual([0, 255, ...Buffer.from('end')]);
  });

  it('runs a shell request (sh -i) on commands from stdin and reports its exit code', async () => {
    const s = aShell('', { args: ['-i'] });
    s.stdin.end('echo from-shell\nexit 3\n');
    expect(await s.shell.exited).toEqual({ kind: 'exit', code: 3, signal: null });
    expect(s.stdout.data().toString()).toContain('from-shell');
  });

  it('holds back a shell that writes faster than its output is taken, then delivers it all', async () => {
    const total = 20 * 1024 * 1024;
    const stdin = new PassThrough();
    const stdout = aSink({ hold: true });
    stdin.end();
    const shell = spawnShell({
      args: ['-c', `echo $$ > writer.pid; exec head -c ${total} /dev/zero`],
      cwd: dir,
      env: ENV,
      stdin,
      stdout: stdout.stream,
      stderr: new PassThrough(),
    });
    const writer = await pidFile('writer.pid');
    // Asleep (head on /dev/zero only waits for its output to drain) once the window is out and
    // nothing is credited back. A held write keeps the rest in the Writable: writableLength is
    // all it was given.
    await waitFor(() => stdout.stream.writableLength >= WINDOW_BYTES && statOf(writer)[0] === 'S', 20_000, 'the writer to block');
    const written = Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${writer}/io`, 'utf8'))?.[1]);
    // The window, a chunk the spawner has read and not sent, and the stdio socket's buffers.
    expect(written).toBeLessThan(WINDOW_BYTES + 1024 * 1024);
    expect(stdout.stream.writableLength).toBeLessThan(WINDOW_BYTES + 128 * 1024);
    stdout.release();
    expect(await shell.exited).toEqual({ kind: 'exit', code: 0, signal: null });
    expect(stdout.bytes()).toBe(total);
  });

  it('stops reading stdin while the shell does not read it', async () => {
    const total = 4 * 1024 * 1024;
    const s = aShell('exec sleep 600');
    // In SSH-packet-sized chunks, as a channel gives them.
    for (let sent = 0; sent < total; sent += 32 * 1024) s.stdin.write(Buffer.alloc(32 * 1024, 'x'));
    await waitFor(() => s.stdin.isPaused(), 20_000, 'stdin to be paused');
    // Left with the sender: all but the window and what the shell's stdin socket holds.
    expect(s.stdin.readableLength + s.stdin.writableLength).toBeGreaterThan(total - WINDOW_BYTES - 1024 * 1024);
    s.shell.signal('SIGKILL');
    expect(await s.shell.exited).toEqual({ kind: 'exit', code: null, signal: 'SIGKILL' });
  });

  it('lets a shell whose output nobody takes any more finish', async () => {
    const s = aShell('head -c 5000000 /dev/zero; echo done > finished', { stdout: aSink({ hold: true }).stream });
    s.stdin.end();
    s.shell.discardOutput();
    expect(await s.shell.exited).toEqual({ kind: 'exit', code: 0, signal: null });
    expect(readFileSync(join(dir, 'finished'), 'utf8')).toBe('done\n');
  });

  it('signals the whole process group, and not after the exit', async () => {
    const s = aShell('sleep 600 & echo $! > bg.pid; wait');
    s.stdin.end();
    const bg = await pidFile('bg.pid');
    s.shell.signal('SIGTERM');
    expect(await s.shell.exited).toEqual({ kind: 'exit', code: null, signal: 'SIGTERM' });
    await waitFor(() => !isAlive(bg), 20_000, 'the background sleep to die');
    expect(() => s.shell.signal('SIGTERM')).not.toThrow();
  });

  it('reports a shell that cannot start', async () => {
    const s = aShell('true', { cwd: join(dir, 'missing') });
    s.stdin.end();
    const exit = await s.shell.exited;
    expect(exit).toMatchObject({ kind: 'error', message: expect.stringMatching(/ENOENT/) });
  });

  it('kills and fails the shells of a spawner that dies, and starts a new one for the next shell', async () => {
    const s = aShell('echo $PPID > parent.pid; sleep 600 & echo $! > orphan.pid; wait');
    s.stdin.end();
    const spawner = await pidFile('parent.pid');
    const orphan = await pidFile('orphan.pid');
    process.kill(spawner, 'SIGKILL');
    expect(await s.shell.exited).toMatchObject({ kind: 'error' });
    await waitFor(() => !isAlive(orphan), 20_000, 'the shell of the dead spawner to die');
    const next = await spawnerPid();
    expect(next).not.toBe(spawner);
    expect(cmdline(next)).toMatch(/spawner-child\.ts/);
  });

  it('stops once its running shells end, and a new one starts for the next shell', async () => {
    const s = aShell('read line; echo "$line"');
    const before = await spawnerPid();
    stopSpawner();
    s.stdin.end('still served\n');
    expect(await s.shell.exited).toEqual({ kind: 'exit', code: 0, signal: null });
    expect(s.stdout.data().toString()).toBe('still served\n');
    await waitFor(() => !isAlive(before), 20_000, 'the stopped spawner to exit');
    expect(await spawnerPid()).not.toBe(before);
  });
});

// A process that uses the spawner as the lab does: it runs `shells` shells one after the other and
// prints each one's parent and its own pid (plain JS: `node -e`).
const user = ({ before = '', shells = 1, after = '' }) => `
import { PassThrough } from 'node:stream';
import { spawnShell } from ${JSON.stringify(SPAWNER_MODULE)};
${before}
for (let i = 0; i < ${shells}; i++) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  stdin.end();
  const exit = await spawnShell({ args: ['-c', 'echo $PPID'], cwd: '/', env: {}, stdin, stdout, stderr: new PassThrough() }).exited;
  console.log('shell ' + exit.kind + ' ' + exit.code + ' ' + String(stdout.read()).trim() + ' of ' + process.pid);
}
${after}
`;

const MARKER = /^shell exit 0 \d+ of \d+$/m;

describe('lab spawner lifetime', () => {
  const spawnerOf = (stdout: string) => Number(MARKER.exec(stdout)?.[0].split(' ')[3]);

  it('keeps no process alive: its user exits by itself, and the spawner follows', async () => {
    const result = await watchExit({ args: ['--input-type=module', '-e', user({})], cwd: ROOT, marker: MARKER, totalMs: 60_000, afterMarkerMs: 20_000 });
    expect(result.killed, tailOf(result)).toBeUndefined();
    expect(result.code, tailOf(result)).toBe(0);
    const spawner = spawnerOf(result.stdout);
    expect(spawner, tailOf(result)).toBeGreaterThan(0);
    await waitFor(() => !isAlive(spawner), 20_000, 'the spawner to exit after its parent');
  });

  it('exits when its parent is killed', async () => {
    const result = await watchExit({
      args: ['--input-type=module', '-e', user({ after: "process.kill(process.pid, 'SIGKILL');" })],
      cwd: ROOT,
      marker: MARKER,
      totalMs: 60_000,
      afterMarkerMs: 20_000,
    });
    expect(result.signal, tailOf(result)).toBe('SIGKILL');
    const spawner = spawnerOf(result.stdout);
    expect(spawner, tailOf(result)).toBeGreaterThan(0);
    await waitFor(() => !isAlive(spawner), 20_000, 'the spawner to exit after its parent was killed');
  });

  it('falls back to forking the shells itself when the spawner cannot start', async () => {
    // The spawner inherits NODE_OPTIONS; a preload that does not exist kills it before it is up.
    const before = "process.env.NODE_OPTIONS = '--import=/nonexistent/lvs-spawner-test.mjs';";
    const result = await watchExit({
      args: ['--input-type=module', '-e', user({ before, shells: 5 })],
      cwd: ROOT,
      marker: MARKER,
      totalMs: 60_000,
      afterMarkerMs: 20_000,
    });
    expect(result.code, tailOf(result)).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      const [, kind, code, parent, , self] = line.split(' ');
      expect({ kind, code, parent }, tailOf(result)).toEqual({ kind: 'exit', code: '0', parent: self });
    }
  });
});
