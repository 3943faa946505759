// The NAT lab's hosts through the same commands: a NAT director needs ip_forward (without it the
// VIP's connections hang), the VIP moves with failover, servers have no VIP on lo, `ss` and
// `curl` on a server, and keepalived.conf placed on a lab that started without a checker.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { LabState } from '../../src/lab/control.ts';
import type { LabInfo } from '../../src/lab/files.ts';
import { startLab, type Lab } from '../../src/lab/lab.ts';
import { control, get, labShell, waitFor, type LabShell } from './lab-support.ts';

let lab: Lab;
let sh: LabShell;
let root = '';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lvs-lab-nat-'));
  lab = await startLab({ dir: join(root, 'lab'), servers: 2, restartDelayMs: 100 });
  sh = labShell(lab);
});
afterAll(async () => {
  await sh?.close();
  await lab?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const state = async () => (await (await fetch(new URL('state', lab.info.control))).json()) as LabState;

describe('NAT lab hosts', () => {
  it("keeps NAT: the VIP on 127.0.0.1, Masq dests, forwarding on, no VIP on the servers' lo", async () => {
    expect(lab.forward).toBe('nat');
    expect(lab.info.forward).toBe('nat');
    expect(lab.directors[0]!.ipvsadm(['-L', '-n']).stdout).toContain(`  -> 127.0.0.1:${lab.servers[0]!.app.port}`);
    expect((await sh.run('lvs1', 'sysctl -n net.ipv4.ip_forward')).stdout).toBe('1\n');
    expect((await sh.run('web1', 'ip -o addr show dev lo')).stdout.split('\n').filter(Boolean)).toHaveLength(2);
    expect((await sh.run('web1', 'sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce')).stdout).toBe('0\n0\n');
    expect((await sh.run('lvs1', 'ip -o -4 addr show dev eth0')).stdout).toContain(' inet 127.0.0.1/32 scope global eth0\\');
  });

  it("a NAT director with ip_forward=0 forwards nothing: the VIP's connections hang until it is back on", async () => {
    const before = lab.vip.counters().noForwarding;
    expect(await sh.run('lvs1', 'sudo -n sysctl -w net.ipv4.ip_forward=0')).toMatchObject({ stdout: 'net.ipv4.ip_forward = 0\n', code: 0 });
    expect((await state()).directors[0]).toMatchObject({ name: 'lvs1', ipForward: false });
    try {
      const answer = get(lab.vip.url, { timeoutMs: 30_000 });
      await waitFor(() => lab.vip.counters().noForwarding > before, 10_000, 'the hanging connection to be counted');
      expect(await sh.run('lvs1', 'sysctl -w net.ipv4.ip_forward=1')).toMatchObject({ code: 0 });
      expect((await answer).status).toBe(200);
    } finally {
      await control(lab, 'sysctl', { host: 'lvs1', key: 'net.ipv4.ip_forward', value: 1 });
    }
  });

  it('failover moves the VIP to the new MASTER, which then routes', async () => {
    const holders = async () => {
      const out: string[] = [];
      for (const d of ['lvs1', 'lvs2']) if ((await sh.run(d, 'ip -o addr show dev eth0')).stdout.includes(' inet 127.0.0.1/32 ')) out.push(d);
      return out;
    };
    expect(await holders()).toEqual(['lvs1']);
    expect((await control(lab, 'failover')).json).toEqual({ master: 'lvs2' });
    try {
      expect(await holders()).toEqual(['lvs2']);
      expect((await state()).routing).toBe('lvs2');
      expect((await get(lab.vip.url)).status).toBe(200);
    } finally {
      expect((await control(lab, 'failover')).json).toEqual({ master: 'lvs1' });
    }
    expect(await holders()).toEqual(['lvs1']);
  });

  it('ss and curl on a server: its own connections, peers as the clients behind the VIP', async () => {
    const port = lab.servers[1]!.app.port;
    // From web1, through the VIP (its lo has no VIP) and straight to web2's address.
    expect(await sh.run('web1', `curl -sS -o /dev/null -w '%{http_code}' --max-time 5 ${lab.vip.url}`)).toMatchObject({ stdout: '200', code: 0 });
    expect(await sh.run('web1', `curl -sS --max-time 5 http://127.0.0.1:${port}/`)).toMatchObject({ stdout: 'version=v1 host=web2\n', code: 0 });
    expect(await sh.run('web1', `curl -sSf http://127.0.0.1:${lab.servers[0]!.app.port}/nope`)).toMatchObject({
      code: 22,
      stderr: 'curl: (22) The requested URL returned error: 404\n',
    });
    expect((await sh.run('web2', `ss -Htln '( sport = :${port} )'`)).stdout).toBe(`LISTEN 0      511    127.0.0.1:${port} 0.0.0.0:*\n`);
  });

  it('keepalived.conf placed on a lab without a checker: the cluster file and lab.json name it from then on', async () => {
    expect(((await parse(await readFile(lab.configPath, 'utf8'))) as { directors: { keepalived?: string }[] }).directors.map((d) => d.keepalived)).toEqual([
      undefined,
      undefined,
    ]);
    const placed = await control(lab, 'keepalived', { host: 'lvs1', variant: 'inhibit' });
    expect(placed.json).toEqual({ path: join(lab.dir, 'lvs1', 'etc/keepalived/keepalived.conf'), reloaded: [] });
    const conf = (await sh.run('lvs1', 'cat etc/keepalived/keepalived.conf')).stdout;
    expect(conf).toContain('    lvs_method NAT\n');
    expect(conf).toContain(`    real_server 127.0.0.1 ${lab.servers[0]!.app.port} {\n        weight 100\n        inhibit_on_failure\n`);
    expect((parse(await readFile(lab.configPath, 'utf8')) as { directors: { keepalived?: string }[] }).directors.map((d) => d.keepalived)).toEqual([
      'etc/keepalived/keepalived.conf',
      undefined,
    ]);
    const info = JSON.parse(await readFile(lab.labJsonPath, 'utf8')) as LabInfo;
    expect(info.hosts.find((h) => h.name === 'lvs1')?.keepalived).toBe('etc/keepalived/keepalived.conf');
    expect((await state()).directors.map((d) => d.keepalived)).toEqual(['etc/keepalived/keepalived.conf', undefined]);
  });
});
