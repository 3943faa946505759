// The lab host must work for OpenSSH's own clients: ssh, sftp and scp (which the real transport may use).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, knownHostsLine } from '../../../src/lab/host/host-keys.ts';
import { writeToolShims } from '../../../src/lab/tools/shims.ts';
import { startToolServer, type ToolRequest, type ToolServer } from '../../../src/lab/tools/tool-server.ts';
import { startTestHost, type TestHost } from './support.ts';

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs an OpenSSH program; `input` is written then closed, `keepStdinOpen` never closes it. */
function run(cmd: string, args: string[], input?: string, keepStdinOpen = false): Promise<Run> {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolveRun({ stdout, stderr, code }));
    if (input !== undefined) child.stdin.write(input);
    if (!keepStdinOpen) child.stdin.end();
    else child.on('close', () => child.stdin.destroy());
  });
}

describe('lab SSH host with OpenSSH clients', () => {
  let t: TestHost;
  let tools: ToolServer;
  let sockDir: string;
  const calls: ToolRequest[] = [];
  const opts = (): string[] => [
    '-i',
    t.keyFile,
    '-o',
    `UserKnownHostsFile=${t.knownHostsFile}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'LogLevel=ERROR',
  ];
  const ssh = (command: string, input?: string, keepStdinOpen = false): Promise<Run> =>
    run('ssh', [...opts(), '-p', String(t.host.port), 'lab@127.0.0.1', command], input, keepStdinOpen);

  beforeAll(async () => {
    sockDir = await mkdtemp('/tmp/lab-sock-'); // short: Unix socket paths hold 107 bytes
    const socketPath = join(sockDir, 'tools.sock');
    tools = await startToolServer({
      socketPath,
      handlers: {
        labtool: {
          run: async (req) => {
            calls.push(req);
            return { stdout: `host=${req.host} argv=${req.argv.join(' ')} stdin=${req.stdin.toString()}\n`, exitCode: 3 };
          },
          readsStdin: (argv) => argv.includes('-R'),
        },
      },
    });
    t = await startTestHost({ env: { LAB_HOST: 'web1', LAB_SOCKET: socketPath } });
    await writeToolShims(join(t.root, 'tools'), ['sudo', 'labtool']);
  });
  afterAll(async () => {
    await t?.cleanup();
    await tools?.stop();
    if (sockDir) await rm(sockDir, { recursive: true, force: true });
  });

  it('runs a command with strict host-key checking against the known_hosts line', async () => {
    const r = await ssh('echo hi; pwd; exit 5');
    expect(r.stdout).toBe(`hi\n${t.dir}\n`);
    expect(r.code).toBe(5);
  });

  it('is refused by OpenSSH when the known host key differs', async () => {
    const other = join(t.root, 'known_hosts.other');
    await writeFile(other, `${knownHostsLine({ port: t.host.port, hostKey: generateKeyPair().privateKey })}\n`);
    // NOTE: ssh keeps the first value of an option, so the override goes first.
    const r = await run('ssh', ['-o', `UserKnownHostsFile=${other}`, ...opts(), '-p', String(t.host.port), 'lab@127.0.0.1', 'true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/host key/i);
  });

  it('runs a lab tool through sudo -n and the bridge, with its exit code', async () => {
    const r = await ssh('sudo -n labtool -L -n');
    expect(r).toMatchObject({ stdout: 'host=web1 argv=-L -n stdin=\n', code: 3 });
    expect(calls.at(-1)).toMatchObject({ tool: 'labtool', host: 'web1', argv: ['-L', '-n'], cwd: t.dir });
  });

  it('passes stdin to a tool that reads it', async () => {
    const r = await ssh('sudo -n labtool -R', '-A -t 1.2.3.4:80\n');
    expect(r.stdout).toBe('host=web1 argv=-R stdin=-A -t 1.2.3.4:80\n\n');
  });

  it('does not wait on stdin for a tool that does not read it, even with the session stdin open', async () => {
    const r = await ssh('labtool -L', undefined, true);
    expect(r.code).toBe(3);
  });

  it('sftp -b: put, rename, symlink, ls, get, rm', async () => {
    const local = join(t.root, 'up.txt');
    await writeFile(local, 'uploaded\n');
    const batch = [
      'mkdir d',
      `put ${local} d/up.txt`,
      'rename d/up.txt d/final.txt',
      'symlink final.txt d/link',
      'ls -l d',
      `get d/link ${join(t.root, 'back.txt')}`,
      'rm d/link',
    ].join('\n');
    const r = await run('sftp', [...opts(), '-b', '-', '-P', String(t.host.port), 'lab@127.0.0.1'], `${batch}\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/final\.txt/);
    expect(readFileSync(join(t.dir, 'd/final.txt'), 'utf8')).toBe('uploaded\n');
    expect(readFileSync(join(t.root, 'back.txt'), 'utf8')).toBe('uploaded\n');
  });

  it('scp -s (SFTP mode) copies both ways and exits 0', async () => {
    const local = join(t.root, 'scp.txt');
    await writeFile(local, 'scp\n');
    const up = await run('scp', [...opts(), '-s', '-P', String(t.host.port), local, 'lab@127.0.0.1:scp.txt']);
    expect(up.code).toBe(0);
    expect(readFileSync(join(t.dir, 'scp.txt'), 'utf8')).toBe('scp\n');
    const down = await run('scp', [...opts(), '-s', '-P', String(t.host.port), 'lab@127.0.0.1:missing.txt', local]);
    expect(down.code).not.toBe(0);
    expect(down.stderr).toMatch(/No such file/);
  });
});
