// A real OpenSSH client against a lab director: `ipvsadm -L -n` over `ssh` prints the live table,
// byte for byte what the emulator renders, and the errors keep ipvsadm's exit statuses.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderIpvsList } from '../../src/ipvs/list-render.ts';
import { startLab, type Lab } from '../../src/lab/lab.ts';

const run = promisify(execFile);
let lab: Lab;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lvs-lab-ssh-'));
  lab = await startLab({ dir: join(dir, 'lab'), servers: 2 });
});
afterAll(async () => {
  await lab?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function ssh(host: string, command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const entry = lab.info.hosts.find((h) => h.name === host);
  if (!entry) throw new Error(`no host ${host}`);
  const args = [
    '-i',
    lab.info.privateKey,
    '-p',
    String(entry.ssh.port),
    '-o',
    `UserKnownHostsFile=${lab.info.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'LogLevel=ERROR',
    `${entry.ssh.user}@127.0.0.1`,
    command,
  ];
  try {
    const { stdout, stderr } = await run('ssh', args, { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

it('OpenSSH ssh runs ipvsadm -L -n on a lab director', async () => {
  const result = await ssh('lvs1', 'ipvsadm -L -n');
  expect(result.code).toBe(0);
  expect(result.stdout).toBe(renderIpvsList(lab.directors[0]!.state.table()));
  expect(result.stdout).toContain(`TCP  127.0.0.1:${lab.vip.port} wlc`);
});

it('keeps ipvsadm exit statuses and messages through ssh and sudo -n', async () => {
  const missing = await ssh('lvs2', 'sudo -n ipvsadm -d -t 10.0.0.100:80 -r 10.0.1.99:80');
  expect(missing).toMatchObject({ code: 255, stdout: '', stderr: 'Service not defined\n' });
  const listMissing = await ssh('lvs2', 'ipvsadm -L -n -t 10.0.0.100:8080');
  expect(listMissing).toMatchObject({ code: 1, stderr: 'No such service\n' });
});
