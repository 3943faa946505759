// The lab in DR mode (issue 11): real servers on 127.0.1.N at the VIP's port with the VIP on lo,
// Route destinations, and the hosts' own tools (ip, sysctl, cat /proc, ss, curl) answering from
// the lab's state over SSH, as on a real farm. One lab of 6 servers, each test leaves it as found.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '../../src/cli.ts';
import { loadCluster } from '../../src/config/load.ts';
import { parseIpvsList } from '../../src/ipvs/list-parse.ts';
import type { LabState } from '../../src/lab/control.ts';
import type { LabInfo } from '../../src/lab/files.ts';
import { startLab, type Lab } from '../../src/lab/lab.ts';
import { runLoad } from '../../src/lab/net/load.ts';
import { capturedIo, cli } from '../cli/support.ts';
import { connRows, control, get, labShell, waitFor, type LabShell } from './lab-support.ts';

const SERVERS = 6;
let lab: Lab;
let sh: LabShell;
let root = '';
let vip = '';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lvs-lab-dr-'));
  lab = await startLab({ dir: join(root, 'lab'), servers: SERVERS, forward: 'dr', checker: 'inhibit', restartDelayMs: 100 });
  sh = labShell(lab);
  vip = `${lab.net.vipAddress}:${lab.vip.port}`;
});
afterAll(async () => {
  await sh?.close();
  await lab?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const weights = (director = 'lvs1') => {
  const table = parseIpvsList(lab.directors.find((d) => d.name === director)!.ipvsadm(['-L', '-n']).stdout);
  return table.services[0]!.dests.map((d) => `${d.address}:${d.port} ${d.forward} ${d.weight}`);
};
const setWeight = (address: string, weight: number) => {
  for (const d of lab.directors) expect(d.ipvsadm(['-e', '-t', vip, '-r', `${address}:${lab.vip.port}`, '-g', '-w', String(weight)]).exitCode).toBe(0);
};

describe('DR layout', () => {
  it('puts server N on 127.0.1.N at the VIP port, listed as Route, and says so in release.yaml and lab.json', async () => {
    expect(lab.net.vipAddress).toBe('127.0.0.100');
    expect(lab.servers.map((s) => `${s.address}:${s.app.port}`)).toEqual(Array.from({ length: SERVERS }, (_, i) => `127.0.1.${i + 1}:${lab.vip.port}`));
    for (const d of lab.directors) expect(weights(d.name)).toEqual(lab.servers.map((s) => `${s.address}:${lab.vip.port} Route 100`));

    const cluster = parse(await readFile(lab.configPath, 'utf8')) as {
      services: { vip: string }[];
      directors: { name: string; keepalived?: string }[];
      realServers: { name: string; host: string; address: string; port: number }[];
    };
    expect(cluster.services).toEqual([{ vip, protocol: 'tcp' }]);
    expect(cluster.realServers.map((s) => [s.name, s.host, s.address, s.port])).toEqual(lab.servers.map((s) => [s.name, '127.0.0.1', s.address, lab.vip.port]));
    expect(cluster.directors.map((d) => d.keepalived)).toEqual(['etc/keepalived/keepalived.conf', 'etc/keepalived/keepalived.conf']);
    const loaded = await loadCluster(lab.configPath);
    expect(loaded.ok ? [] : loaded.problems.map((p) => p.message)).toEqual([]);

    const info = JSON.parse(await readFile(lab.labJsonPath, 'utf8')) as LabInfo;
    expect(info.forward).toBe('dr');
    expect(info.vip).toBe(`http://${vip}/`);
    expect(info.hosts.filter((h) => h.role === 'server').map((h) => [h.address, h.http, h.url])).toEqual(
      lab.servers.map((s) => [s.address, lab.vip.port, `http://${s.address}:${lab.vip.port}/`]),
    );
  });

  it('passes a load through the VIP to all 6 servers with zero failures', async () => {
    const result = await runLoad({ url: lab.vip.url, durationMs: 3000, concurrency: 8, keepAlive: false, requestTimeoutMs: 5000, clients: 16 });
    console.log(
      `DR lab, ${SERVERS} servers, 3 s of load (8 clients, a connection per request): ${result.requests} requests, ${Math.round(result.requests / 3)}/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, by host ${JSON.stringify(result.byHost)}`,
    );
    expect(result.failures).toEqual({ connect: 0, reset: 0, timeout: 0, non2xx: 0, other: 0 });
    expect(Object.keys(result.byHost).sort()).toEqual(lab.servers.map((s) => s.name).sort());
    // The director sees only the clients' packets: no Out counters in DR.
    const stats = lab.routing().ipvsadm(['-L', '-n', '--stats', '--exact']).stdout.split('\n')[3]!.trim().split(/\s+/);
    expect(Number(stats[2])).toBeGreaterThan(0);
    expect(stats[4]).toBe('0');
  });
});

describe('the hosts answer ip, sysctl and /proc like a real DR farm', () => {
  it('a server shows the VIP on lo and ARP suppressed; a director shows it on eth0 (MASTER only)', async () => {
    const lo = await sh.run('web1', 'ip -o addr show dev lo');
    expect(lo).toMatchObject({ code: 0, stderr: '' });
    expect(lo.stdout).toBe(
      [
        '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
        '1: lo    inet 127.0.0.100/32 scope global lo\\       valid_lft forever preferred_lft forever',
        '1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever',
        '',
      ].join('\n'),
    );
    expect((await sh.run('web3', 'ip -o -4 addr show')).stdout).toMatch(/^2: eth0 {4}inet 127\.0\.1\.3\/24 brd 127\.0\.1\.255 scope global eth0\\/m);
    expect(
      (
        await sh.run(
          'web1',
          'sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce net.ipv4.conf.lo.arp_ignore net.ipv4.conf.lo.arp_announce net.ipv4.ip_forward',
        )
      ).stdout,
    ).toBe('1\n2\n1\n2\n0\n');
    expect((await sh.run('web1', 'sysctl net.ipv4.conf.all.arp_ignore')).stdout).toBe('net.ipv4.conf.all.arp_ignore = 1\n');
    expect(await sh.run('web1', 'cat /proc/sys/net/ipv4/conf/all/arp_announce')).toMatchObject({ stdout: '2\n', code: 0 });
    expect(await sh.run('web1', 'sudo -n cat /proc/sys/net/ipv4/conf/lo/arp_ignore')).toMatchObject({ stdout: '1\n', code: 0 });
    expect(await sh.run('web1', 'sysctl -n net.ipv4.vs.expire_nodest_conn')).toMatchObject({
      stdout: '',
      code: 1,
      stderr: 'sysctl: cannot stat /proc/sys/net/ipv4/vs/expire_nodest_conn: No such file or directory\n',
    });
    // curl on a server: its own addresses (and the VIP on its lo) reach its own app, another server's address that server.
    const port = lab.vip.port;
    expect(await sh.run('web2', `curl -sS --max-time 5 http://127.0.0.100:${port}/ http://x`)).toMatchObject({ code: 2 });
    for (const [url, host] of [
      [`http://127.0.0.100:${port}/`, 'web2'],
      [`http://127.0.0.1:${port}/`, 'web2'],
      [`http://127.0.1.2:${port}/`, 'web2'],
      [`http://127.0.1.3:${port}/`, 'web3'],
    ]) {
      expect(await sh.run('web2', `curl -sS --max-time 5 ${url}`)).toMatchObject({ stdout: `version=v1 host=${host}\n`, code: 0 });
    }
    expect(await sh.run('web2', `curl -sS -o /dev/null -w '%{http_code}' http://127.0.0.100:${port + 1}/`)).toMatchObject({ stdout: '000', code: 7 });
    // The real cat still does everything else.
    expect(await sh.run('web1', 'cat app/current/VERSION; printf x | cat -')).toMatchObject({ stdout: 'v1\nx', code: 0 });

    const holding = async (director: string) =>
      (await sh.run(director, 'ip -o addr show')).stdout.split('\n').filter((l) => l.includes(' inet 127.0.0.100/32 '));
    expect(await holding('lvs1')).toEqual(['2: eth0    inet 127.0.0.100/32 scope global eth0\\       valid_lft forever preferred_lft forever']);
    expect(await holding('lvs2')).toEqual([]);
    expect((await sh.run('lvs1', 'sysctl -n net.ipv4.ip_forward net.ipv4.vs.expire_quiescent_template net.ipv4.vs.expire_nodest_conn')).stdout).toBe(
      '0\n0\n0\n',
    );
    expect((await sh.run('lvs1', 'cat /proc/net/ip_vs_conn')).stdout.split('\n')[0]).toBe(
      'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData',
    );
  });

  it('split brain: both directors show the VIP, and the control API and status say so', async () => {
    expect((await control(lab, 'split-brain', { on: true })).json).toEqual({ holding: ['lvs1', 'lvs2'] });
    try {
      for (const d of ['lvs1', 'lvs2']) expect((await sh.run(d, 'ip -o addr show')).stdout).toContain(' inet 127.0.0.100/32 scope global eth0\\');
      const state = (await (await fetch(new URL('state', lab.info.control))).json()) as LabState;
      expect(state.directors.map((d) => [d.name, d.holdsVip])).toEqual([
        ['lvs1', true],
        ['lvs2', true],
      ]);
    } finally {
      expect((await control(lab, 'split-brain', { on: false })).json).toEqual({ holding: ['lvs1'] });
    }
    expect((await sh.run('lvs2', 'ip -o addr show')).stdout).not.toContain('127.0.0.100');
  });

  it("ARP sysctls and ip_forward: set through the control API, and by the host's own sysctl -w", async () => {
    expect((await control(lab, 'sysctl', { host: 'web2', values: { 'net.ipv4.conf.all.arp_ignore': 0, 'net.ipv4.conf.lo.arp_ignore': 0 } })).status).toBe(200);
    expect((await sh.run('web2', 'sysctl -n net.ipv4.conf.all.arp_ignore')).stdout).toBe('0\n');
    let state = (await (await fetch(new URL('state', lab.info.control))).json()) as LabState;
    expect(state.servers.find((s) => s.name === 'web2')).toMatchObject({ arpIgnore: 0, arpAnnounce: 2, vipOnLo: true });
    expect(await sh.run('web2', 'sudo -n sysctl -w net.ipv4.conf.all.arp_ignore=1 && sysctl net.ipv4.conf.lo.arp_ignore=1')).toMatchObject({
      stdout: 'net.ipv4.conf.all.arp_ignore = 1\nnet.ipv4.conf.lo.arp_ignore = 1\n',
      code: 0,
    });
    state = (await (await fetch(new URL('state', lab.info.control))).json()) as LabState;
    expect(state.servers.find((s) => s.name === 'web2')).toMatchObject({ arpIgnore: 1 });
    expect(await sh.run('web2', 'sysctl -w net.ipv4.conf.all.arp_ignore=x')).toMatchObject({
      code: 1,
      stderr: 'sysctl: setting key "net.ipv4.conf.all.arp_ignore": Invalid argument\n',
    });

    expect((await control(lab, 'sysctl', { host: 'lvs2', key: 'net.ipv4.ip_forward', value: 1 })).status).toBe(200);
    expect((await sh.run('lvs2', 'cat /proc/sys/net/ipv4/ip_forward')).stdout).toBe('1\n');
    expect((await control(lab, 'sysctl', { host: 'lvs2', key: 'net.ipv4.ip_forward', value: 0 })).status).toBe(200);
    expect((await control(lab, 'sysctl', { host: 'web2', key: 'net.ipv4.vs.sloppy_tcp', value: 1 })).json).toEqual({
      error: 'web2 has no sysctl net.ipv4.vs.sloppy_tcp',
    });
  });
});

describe('the VIP delivers to a DR server only while it holds the VIP on lo', () => {
  it('without it new connections hang (counted), curl on the server goes to the director, and the VIP back lets them through', async () => {
    const others = lab.servers.slice(1);
    for (const s of others) setWeight(s.address, 0);
    try {
      // The step a pipeline would run ("network restart" loses it too).
      expect(await sh.run('web1', `sudo -n ip addr del ${lab.net.vipAddress}/32 dev lo`)).toMatchObject({ code: 0, stderr: '' });
      expect((await sh.run('web1', 'ip -o addr show dev lo')).stdout).not.toContain('127.0.0.100');
      expect(await sh.run('web1', `ip addr del ${lab.net.vipAddress}/32 dev lo`)).toMatchObject({ code: 2, stderr: 'Error: ipv4: Address not found.\n' });
      const before = lab.vip.counters().serverNoVip;

      let clientPort = 0;
      const answer = get(lab.vip.url, { timeoutMs: 30_000, localPort: (p) => (clientPort = p) });
      await waitFor(() => lab.vip.counters().serverNoVip > before, 10_000, 'the dropped SYN to be counted');
      // The director scheduled it and waits, as for a SYN the server never answered.
      await waitFor(() => clientPort > 0 && connRows(lab).some((r) => r.includes(`:${clientPort} `) && r.includes(' SYN_RECV ')), 10_000, 'a SYN_RECV entry');
      // The checker checks the real server's own address, so it still sees web1 healthy.
      expect(weights()[0]).toBe(`127.0.1.1:${lab.vip.port} Route 100`);
      // From the server itself, the VIP is not local now: curl goes out to the director and hangs too.
      expect(await sh.run('web1', `curl -sS -o /dev/null -w '%{http_code}' --max-time 1 http://${vip}/`)).toMatchObject({
        stdout: '000',
        code: 28,
        stderr: expect.stringMatching(/^curl: \(28\) Operation timed out after \d+ milliseconds with 0 bytes received\n$/),
      });

      expect(await sh.run('web1', `sudo -n ip addr add ${lab.net.vipAddress}/32 dev lo`)).toMatchObject({ code: 0 });
      // The waiting connection gets through (TCP retransmits its SYN).
      expect(await answer).toEqual({ status: 200, body: 'version=v1 host=web1\n' });
      expect(await sh.run('web1', `curl -sS --max-time 5 http://${vip}/`)).toMatchObject({ stdout: 'version=v1 host=web1\n', code: 0 });
    } finally {
      await control(lab, 'lo-vip', { host: 'web1', present: true });
      for (const s of others) setWeight(s.address, 100);
    }
  });

  it('the control API removes and restores a lo VIP; open connections stall meanwhile and resume', async () => {
    for (const s of lab.servers.slice(1)) setWeight(s.address, 0);
    try {
      const before = lab.vip.counters().serverNoVip;
      const slow = get(new URL('/slow?ms=1500', lab.vip.url).href, { timeoutMs: 30_000 });
      await waitFor(() => lab.servers[0]!.app.status().inFlight === 1, 10_000, 'the request in flight on web1');
      expect((await control(lab, 'lo-vip', { host: 'web1', present: false })).status).toBe(200);
      let state = (await (await fetch(new URL('state', lab.info.control))).json()) as LabState;
      expect(state.servers[0]).toMatchObject({ name: 'web1', vipOnLo: false });
      // web1 writes its answer, but cannot send it from an address it no longer has: it waits.
      await waitFor(() => lab.servers[0]!.app.status().inFlight === 0, 10_000, 'web1 to answer');
      await waitFor(() => lab.vip.counters().serverNoVip > before, 10_000, 'the open flow to stall');
      expect((await control(lab, 'lo-vip', { host: 'web1', present: true })).status).toBe(200);
      expect(await slow).toEqual({ status: 200, body: 'version=v1 host=web1\n' });
      state = (await (await fetch(new URL('state', lab.info.control))).json()) as LabState;
      expect(state.servers[0]).toMatchObject({ vipOnLo: true });
      expect((await control(lab, 'lo-vip', { host: 'lvs1', present: false })).json).toEqual({ error: 'lvs1 is not a real server' });
    } finally {
      await control(lab, 'lo-vip', { host: 'web1', present: true });
      for (const s of lab.servers.slice(1)) setWeight(s.address, 100);
    }
  });
});

describe('ss on a server counts the connections it really has', () => {
  it('each connection held open through the VIP shows once, on the server it reached, as that server sees it', async () => {
    const sockets = await Promise.all(
      Array.from(
        { length: 12 },
        () =>
          new Promise<Socket>((resolve, reject) => {
            const socket = connect({ host: lab.net.vipAddress, port: lab.vip.port }, () => resolve(socket));
            socket.once('error', reject);
          }),
      ),
    );
    try {
      const ports = sockets.map((s) => s.localPort as number).sort();
      await waitFor(() => lab.vip.flows().filter((f) => f.backendLocal).length >= 12, 10_000, 'the VIP to open all 12');
      const port = lab.vip.port;
      const peersOf = async (host: string) => {
        const r = await sh.run(host, `ss -Htn state established '( sport = :${port} or sport = :443 )'`);
        expect(r).toMatchObject({ code: 0, stderr: '' });
        const lines = r.stdout.split('\n').filter(Boolean);
        // ss's columns: Recv-Q Send-Q Local:Port Peer:Port. A connection through the VIP has the VIP as
        // its local end in DR (the peer is the client); a health check or smoke request reaches the
        // server's own address directly, and shows with that address instead.
        const own = lab.servers.find((x) => x.name === host)?.address ?? '';
        for (const line of lines)
          expect(line).toMatch(new RegExp(`^0 {6}\\d+ +(127\\.0\\.0\\.100|${own.replaceAll('.', '\\.')}):${port} +127\\.\\d+\\.\\d+\\.\\d+:\\d+ *$`));
        const viaVip = lines.filter((l) => l.trim().split(/\s+/)[2] === `127.0.0.100:${port}`);
        return viaVip.map((l) => Number(l.trim().split(/\s+/)[3]!.split(':')[1]));
      };
      const seen = new Map<string, number[]>();
      for (const s of lab.servers) seen.set(s.name, await peersOf(s.name));
      const all = [...seen.values()].flat();
      // Every held connection once (a health check may show up too: it is a real connection).
      for (const p of ports) expect(all.filter((x) => x === p)).toHaveLength(1);
      expect([...seen.values()].filter((p) => p.some((x) => ports.includes(x))).length).toBeGreaterThan(1);
      // The director's ActiveConn says the same (in DR it counts what it saw become ESTABLISHED).
      const active = parseIpvsList(lab.routing().ipvsadm(['-L', '-n']).stdout).services[0]!.dests.reduce((n, d) => n + d.activeConns, 0);
      expect(active).toBe(12);
    } finally {
      for (const s of sockets) s.destroy();
    }
    await waitFor(
      async () =>
        (await Promise.all(lab.servers.map((s) => sh.run(s.name, `ss -Htn state established '( sport = :${lab.vip.port} )'`)))).every(
          (r) => r.stdout.split('\n').filter(Boolean).length <= 1,
        ),
      10_000,
      'the servers to see them closed',
    );
  });
});

describe('keepalived.conf on the directors', () => {
  it('is written to match the checker, read with cat, and replaced (reloading inhibit_on_failure) through the control API', async () => {
    const conf = await sh.run('lvs2', 'cat etc/keepalived/keepalived.conf');
    expect(conf.code).toBe(0);
    expect(conf.stdout).toContain(`virtual_server 127.0.0.100 ${lab.vip.port} {\n    delay_loop 1\n    lvs_sched wlc\n    lvs_method DR\n`);
    expect(conf.stdout).toContain(
      `    real_server 127.0.1.6 ${lab.vip.port} {\n        weight 100\n        inhibit_on_failure\n        HTTP_GET {\n            url {\n                path /health/ready.html\n`,
    );
    expect(conf.stdout).toContain('    state BACKUP\n    interface eth0\n');
    expect(conf.stdout).toContain('        127.0.0.100/32 dev eth0\n');

    const placed = await control(lab, 'keepalived', { host: 'lvs2', variant: 'delete' });
    expect(placed.status).toBe(200);
    expect(placed.json.path).toBe(join(lab.dir, 'lvs2', 'etc/keepalived/keepalived.conf'));
    expect((placed.json.reloaded as unknown[]).length).toBe(SERVERS);
    expect((await sh.run('lvs2', 'sudo -n cat etc/keepalived/keepalived.conf')).stdout).not.toContain('inhibit_on_failure');
    expect(lab.directors[1]!.checker!.status().every((rs) => !rs.inhibitOnFailure)).toBe(true);
    expect(lab.directors[0]!.checker!.status().every((rs) => rs.inhibitOnFailure)).toBe(true);

    for (const variant of ['drifted', 'unbalanced'] as const) {
      expect((await control(lab, 'keepalived', { host: 'lvs2', variant })).status).toBe(200);
      const text = (await sh.run('lvs2', 'cat etc/keepalived/keepalived.conf')).stdout;
      if (variant === 'drifted') expect(text).toContain('    lvs_sched rr\n');
      else expect(text.split('{').length).toBe(text.split('}').length + 1);
    }
    const fixture = await readFile('/work/shared/fixtures/keepalived/pair-c-backup.conf', 'utf8');
    expect((await control(lab, 'keepalived', { host: 'lvs2', content: fixture })).json.reloaded).toEqual([]);
    expect((await sh.run('lvs2', 'cat etc/keepalived/keepalived.conf')).stdout).toBe(fixture);

    expect((await control(lab, 'keepalived', { host: 'lvs2', variant: 'inhibit' })).status).toBe(200);
    expect(lab.directors[1]!.checker!.status().every((rs) => rs.inhibitOnFailure)).toBe(true);
    expect((await control(lab, 'keepalived', { host: 'web1', variant: 'inhibit' })).json).toEqual({ error: 'web1 is not a director' });
    expect((await control(lab, 'keepalived', { host: 'lvs1', variant: 'nope' })).status).toBe(400);
  });
});

describe('release lab on the command line', () => {
  it('`release lab status` shows DR, split brain, a server without its lo VIP, ARP and ip_forward', async () => {
    await control(lab, 'split-brain', { on: true });
    await control(lab, 'lo-vip', { host: 'web4', present: false });
    await control(lab, 'sysctl', { host: 'web5', key: 'net.ipv4.conf.all.arp_ignore', value: 0 });
    try {
      const { io, stdout } = capturedIo(root);
      expect(await run(['lab', 'status', '--dir', lab.dir], io)).toBe(0);
      const text = stdout();
      expect(text).toContain(`VIP http://${vip}/ (DR)  master lvs1`);
      expect(text).toContain('SPLIT BRAIN: lvs1 and lvs2 hold the VIP');
      expect(text).toMatch(
        /^lvs2 \(BACKUP\) {2}VIP held {2}ip_forward=0 {2}conn_reuse_mode=1 expire_nodest_conn=0 expire_quiescent_template=0 sloppy_tcp=0 {2}keepalived etc\/keepalived\/keepalived\.conf:$/m,
      );
      expect(text).toContain(`web4     127.0.1.4:${lab.vip.port}  running v1`);
      expect(text).toMatch(/^web4 .* VIP on lo: NO {2}arp_ignore=1 arp_announce=2$/m);
      expect(text).toMatch(/^web5 .* VIP on lo: yes {2}arp_ignore=0 arp_announce=2$/m);
    } finally {
      await control(lab, 'split-brain', { on: false });
      await control(lab, 'lo-vip', { host: 'web4', present: true });
      await control(lab, 'sysctl', { host: 'web5', key: 'net.ipv4.conf.all.arp_ignore', value: 1 });
    }
  });

  it('`release lab --help` documents --forward and --tcp-time-scale; bad values are usage errors', async () => {
    const help = await cli(root, ['lab', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--forward <mode> +nat \(Masq/);
    expect(help.stdout).toMatch(/--tcp-time-scale <f> +TCP state timeouts only/);
    for (const [argv, message] of [
      [['lab', '--forward', 'tun'], '--forward must be one of nat, dr'],
      [['lab', '--tcp-time-scale', '2'], '--tcp-time-scale must be a number in (0, 1]'],
    ] as const) {
      const r = await cli(root, [...argv]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });
});
