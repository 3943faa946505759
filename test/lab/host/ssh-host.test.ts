import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type ssh2 from 'ssh2';
import { generateKeyPair } from '../../../src/lab/host/host-keys.ts';
import { connect, exec, startTestHost, waitFor, type TestHost } from './support.ts';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function timeExecs(conn: ssh2.Client, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await exec(conn, 'echo hi');
    times.push(performance.now() - t0);
    expect(r.stdout).toBe('hi\n');
  }
  return median(times);
}

// A process is gone once it no longer exists or is a zombie nobody reaped (containers' PID 1 may not).
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('lab SSH host (ssh2 client)', () => {
  let t: TestHost;
  let conn: ssh2.Client;

  beforeAll(async () => {
    t = await startTestHost();
    conn = await connect({ port: t.host.port, privateKey: t.userKey.privateKey });
  });
  afterAll(async () => {
    conn?.end();
    await t?.cleanup();
  });

  it('runs a command in the host directory and measures the exec round trip', async () => {
    const r = await exec(conn, 'echo hi; pwd');
    expect(r).toEqual({ stdout: `hi\n${t.dir}\n`, stderr: '', code: 0, signal: undefined });

    const withNoDelay = await timeExecs(conn, 15);
    const plain = await connect({ port: t.host.port, privateKey: t.userKey.privateKey, noDelay: false });
    const withoutNoDelay = await timeExecs(plain, 5);
    plain.end();
    console.log(`exec round trip (median): client NODELAY ${withNoDelay.toFixed(1)} ms, without ${withoutNoDelay.toFixed(1)} ms`);
    // Nagle + delayed ACK cost tens of ms per exchange; with NODELAY on both ends an exec is a few ms.
    expect(withNoDelay).toBeLessThan(withoutNoDelay);
  });

  it('reports exit codes and stderr', async () => {
    const r = await exec(conn, 'echo out; echo oops >&2; exit 7');
    expect(r).toEqual({ stdout: 'out\n', stderr: 'oops\n', code: 7, signal: undefined });
  });

  it('feeds the channel to stdin, binary-safe', async () => {
    const data = Buffer.alloc(300_000, 'x');
    expect((await exec(conn, 'wc -c', data)).stdout.trim()).toBe('300000');
    expect((await exec(conn, 'cat', 'line1\nline2\n')).stdout).toBe('line1\nline2\n');
  });

  it('does not hang a command that never reads stdin', async () => {
    expect((await exec(conn, 'echo done')).stdout).toBe('done\n');
  });

  it('gives commands HOME, the tools on PATH and the lab env, which the client cannot override', async () => {
    const r = await new Promise<string>((resolveOut, rejectOut) => {
      conn.exec('echo "$HOME|$PATH|$LAB_HOST|$FOO"', { env: { FOO: 'bar', LAB_HOST: 'evil' } }, (err, stream) => {
        if (err) return rejectOut(err);
        let out = '';
        stream.on('data', (d: Buffer) => (out += d));
        stream.on('close', () => resolveOut(out));
        stream.end();
      });
    });
    const [home, path, labHost, foo] = r.trim().split('|');
    expect(home).toBe(t.dir);
    expect(path?.startsWith(`${join(t.root, 'tools')}:`)).toBe(true);
    expect(labHost).toBe('web1');
    expect(foo).toBe('bar');
  });

  it('reports a command killed by a signal as exit-signal', async () => {
    const r = await exec(conn, 'kill -TERM $$');
    expect(r.signal).toBe('SIGTERM');
  });

  it('runs a shell request as sh reading commands from the channel', async () => {
    const r = await new Promise<{ out: string; code: number | undefined }>((resolveShell, rejectShell) => {
      conn.shell(false, (err, stream) => {
        if (err) return rejectShell(err);
        let out = '';
        let code: number | undefined;
        stream.on('data', (d: Buffer) => (out += d));
        stream.stderr.on('data', () => undefined);
        stream.on('exit', (c: number) => (code = c));
        stream.on('close', () => resolveShell({ out, code }));
        stream.end('echo from-shell\nexit 3\n');
      });
    });
    expect(r.out).toContain('from-shell');
    expect(r.code).toBe(3);
  });

  it('kills the whole process group when the channel closes early', async () => {
    const stream = await new Promise<ssh2.ClientChannel>((resolveStream, rejectStream) =>
      conn.exec('sleep 30 & echo $! > bg.pid; echo $$ > sh.pid; wait', (err, s) => (err ? rejectStream(err) : resolveStream(s))),
    );
    stream.on('data', () => undefined);
    await waitFor(() => existsSync(join(t.dir, 'bg.pid')) && existsSync(join(t.dir, 'sh.pid')), 10_000, 'pid files');
    await waitFor(() => readFileSync(join(t.dir, 'bg.pid'), 'utf8').trim() !== '', 10_000, 'bg pid');
    const pids = ['bg.pid', 'sh.pid'].map((f) => Number(readFileSync(join(t.dir, f), 'utf8').trim()));
    expect(pids.every(isAlive)).toBe(true);
    stream.close();
    await waitFor(() => !pids.some(isAlive), 10_000, 'the command and its background child to die');
  });
});

describe('lab SSH host: authentication and faults', () => {
  let t: TestHost;
  beforeAll(async () => {
    t = await startTestHost();
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('refuses a key that is not authorized', async () => {
    const stranger = generateKeyPair();
    await expect(connect({ port: t.host.port, privateKey: stranger.privateKey })).rejects.toMatchObject({
      level: 'client-authentication',
    });
  });

  it('refuseNew closes new connections at once, until cleared', async () => {
    t.host.faults.refuseNew = true;
    await expect(connect({ port: t.host.port, privateKey: t.userKey.privateKey })).rejects.toThrow();
    t.host.faults.refuseNew = false;
    const conn = await connect({ port: t.host.port, privateKey: t.userKey.privateKey });
    expect((await exec(conn, 'echo back')).stdout).toBe('back\n');
    conn.end();
  });

  it('hang neither runs nor answers an exec until the fault is cleared', async () => {
    const conn = await connect({ port: t.host.port, privateKey: t.userKey.privateKey });
    t.host.faults.hang = true;
    const pending = exec(conn, 'touch ran; echo ran');
    const timedOut = await Promise.race([pending.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 300))]);
    expect(timedOut).toBe(true);
    expect(existsSync(join(t.dir, 'ran'))).toBe(false);
    t.host.faults.hang = false;
    expect((await pending).stdout).toBe('ran\n');
    conn.end();
  });

  it('hang lets a client that gives up close its connection', async () => {
    const conn = await connect({ port: t.host.port, privateKey: t.userKey.privateKey });
    t.host.faults.hang = true;
    void exec(conn, 'touch never').catch(() => undefined);
    await waitFor(() => t.host.connectionCount() === 1, 5_000, 'one connection');
    conn.end(); // what a client-side timeout does
    await waitFor(() => t.host.connectionCount() === 0, 5_000, 'the connection to close');
    t.host.faults.hang = false;
    expect(existsSync(join(t.dir, 'never'))).toBe(false);
  });

  it('dropConnections destroys every open SSH connection and its commands; new ones work', async () => {
    const a = await connect({ port: t.host.port, privateKey: t.userKey.privateKey });
    const b = await connect({ port: t.host.port, privateKey: t.userKey.privateKey });
    a.on('error', () => undefined);
    b.on('error', () => undefined);
    const closed = Promise.all([a, b].map((c) => new Promise<void>((r) => c.once('close', () => r()))));
    a.exec('echo $$ > long.pid; sleep 30', (_err, stream) => stream?.on('data', () => undefined));
    const pidFile = join(t.dir, 'long.pid');
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 10_000, 'the long command');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(isAlive(pid)).toBe(true);
    await waitFor(() => t.host.connectionCount() === 2, 5_000, 'two connections');
    expect(t.host.dropConnections()).toBe(2);
    await closed;
    await waitFor(() => !isAlive(pid), 10_000, 'the command of a dropped connection to die');
    const c = await connect({ port: t.host.port, privateKey: t.userKey.privateKey });
    expect((await exec(c, 'echo again')).stdout).toBe('again\n');
    c.end();
  });
});
