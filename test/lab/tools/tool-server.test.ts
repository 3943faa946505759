import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_CLIENT_PATH, writeToolShims } from '../../../src/lab/tools/shims.ts';
import { startToolServer, type ToolHandler, type ToolServer, type ToolSpec } from '../../../src/lab/tools/tool-server.ts';

interface Ran {
  stdout: Buffer;
  stderr: string;
  code: number | null;
}

/** Runs a program with the lab env; `stdin` undefined keeps stdin open (never EOF) to prove nothing waits on it. */
function runTool(cmd: string, args: string[], env: Record<string, string>, stdin?: string): Promise<Ran> {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '', ...env }, cwd: '/tmp', stdio: 'pipe' });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => {
      child.stdin.destroy();
      resolveRun({ stdout: Buffer.concat(out), stderr, code });
    });
    if (stdin !== undefined) child.stdin.end(stdin);
  });
}

describe('lab tool bridge', () => {
  let dir: string;
  let server: ToolServer;
  let env: Record<string, string>;
  const handlers: Record<string, ToolHandler | ToolSpec> = {
    echo: async (req) => ({ stdout: `${req.host}|${req.argv.join(',')}|${req.cwd}\n`, stderr: 'note\n', exitCode: 4 }),
    bytes: async () => ({ stdout: Buffer.from(Array.from({ length: 256 }, (_, i) => i)), exitCode: 0 }),
    restore: { run: async (req) => ({ stdout: `got ${req.stdin.length}:${req.stdin.toString()}`, exitCode: 0 }), readsStdin: (argv) => argv[0] === '-R' },
    boom: async () => {
      throw new Error('kaput');
    },
  };
  const client = (tool: string, args: string[], stdin?: string, extraEnv: Record<string, string> = env): Promise<Ran> =>
    runTool(process.execPath, [TOOL_CLIENT_PATH, tool, ...args], extraEnv, stdin);

  beforeAll(async () => {
    dir = await mkdtemp('/tmp/lab-tools-');
    server = await startToolServer({ socketPath: join(dir, 'lab.sock'), handlers });
    env = { LAB_SOCKET: server.socketPath, LAB_HOST: 'lvs1' };
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('forwards host, argv and cwd; returns stdout, stderr and the exit code', async () => {
    const r = await client('echo', ['-L', '-n', 'a b'], '');
    expect(r.stdout.toString()).toBe('lvs1|-L,-n,a b|/tmp\n');
    expect(r.stderr).toBe('note\n');
    expect(r.code).toBe(4);
  });

  it('is binary-safe on stdout', async () => {
    const r = await client('bytes', []);
    expect([...r.stdout]).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });

  it('sends stdin only to a call that reads it, and never waits on it otherwise', async () => {
    expect((await client('restore', ['-R'], 'rules\n')).stdout.toString()).toBe('got 6:rules\n');
    const r = await client('restore', ['-S']); // stdin left open: must not hang
    expect(r.stdout.toString()).toBe('got 0:');
  });

  it('answers unknown tools with 127 and handler failures with 70', async () => {
    expect(await client('nope', [], '')).toMatchObject({ code: 127, stderr: 'nope: not a lab tool\n' });
    expect(await client('boom', [], '')).toMatchObject({ code: 70, stderr: 'boom: lab internal error: kaput\n' });
  });

  it('serves tools added to the handler record after start', async () => {
    handlers.late = async () => ({ stdout: 'late\n', exitCode: 0 });
    expect((await client('late', [], '')).stdout.toString()).toBe('late\n');
  });

  it('fails clearly outside the lab or when the lab is down', async () => {
    const outside = await client('echo', [], '', {});
    expect(outside.code).toBe(255);
    expect(outside.stderr).toMatch(/LAB_SOCKET is not set/);
    const down = await client('echo', [], '', { LAB_SOCKET: join(dir, 'gone.sock') });
    expect(down.code).toBe(255);
    expect(down.stderr).toMatch(/cannot reach the lab/);
  });

  it('measures a tool call through the shim', async () => {
    const toolsDir = join(dir, 'bin');
    await writeToolShims(toolsDir, ['echo']);
    const times: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now();
      const r = await runTool(join(toolsDir, 'echo'), ['x'], env, '');
      times.push(performance.now() - t0);
      expect(r.code).toBe(4);
    }
    times.sort((a, b) => a - b);
    console.log(`tool call via shim + client.mjs (median of 8): ${times[4]?.toFixed(1)} ms`);
    expect(times[4]).toBeGreaterThan(0);
  });

  it('refuses a socket path too long for a Unix socket', async () => {
    await expect(startToolServer({ socketPath: `/tmp/${'x'.repeat(120)}.sock`, handlers: {} })).rejects.toThrow(/too long/);
  });
});
