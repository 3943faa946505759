// The lab: a whole LVS cluster in one process on loopback. Directors (ipvsadm emulator + optional
// keepalived-like checker), real servers (SSH + app), the VIP (real TCP, kernel semantics), each
// host's network state (`ip`, `sysctl`, `ss`, `curl` answer from it), a timeline of the pool for
// invariant checks, and a control API. NAT (default) or DR (`forward: 'dr'`, see net/lab-net.ts).
// `startLab` builds it; `stop` ends it.
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ServiceKey } from '../ipvs/model.ts';
import { startApp, type App, type AppEvent, type AppResponse } from './app/app.ts';
import { createAppCtlHandler } from './app/app-ctl.ts';
import { startControl, type Control } from './control.ts';
import { createLabDirector, type LabDirector } from './director.ts';
import { labHostInfos, renderLabClusterFile, writeLabJson, type LabClusterFile, type LabHostInfo, type LabInfo } from './files.ts';
import { generateKeyPair, parseAuthorizedKeys } from './host/host-keys.ts';
import { prepareDirectorDir, prepareServerDir } from './host/layout.ts';
import { stopSpawner } from './host/spawner.ts';
import { startSshHost, type SshHost } from './host/ssh-host.ts';
import { createHostToolHandlers, HOST_TOOLS } from './host-tools.ts';
import { KEEPALIVED_PATH, reloadKeepalived, renderLabKeepalived, type KeepalivedVariant } from './keepalived-files.ts';
import type { CheckedService, RealServerStatus } from './net/keepalived.ts';
import { createLabNet, DR_VIP_ADDRESS, NAT_VIP_ADDRESS, packetPath, serverAddress, type ForwardMode, type LabNet } from './net/lab-net.ts';
import { startVip, type Vip, type VipEvent } from './net/vip.ts';
import { createTimeline, type Timeline } from './timeline.ts';
import { createLabTrace, type LabTrace } from './trace.ts';
import { installLabTools } from './tools/install.ts';
import type { ToolHandler, ToolSpec } from './tools/tool-server.ts';

export const LAB_USER = 'lab';
export const CHECKER_MODES = ['off', 'inhibit', 'delete'] as const;
export type CheckerMode = (typeof CHECKER_MODES)[number];
export { FORWARD_MODES, type ForwardMode } from './net/lab-net.ts';

export interface LabOptions {
  dir: string;
  servers: number;
  directors?: number;
  /** keepalived-like health checks on the directors: off, with inhibit_on_failure, or deleting. */
  checker?: CheckerMode;
  /** `nat` (default): Masq, one port per server on 127.0.0.1. `dr`: Route, 127.0.1.N on the VIP's port. */
  forward?: ForwardMode;
  /** The VIP's address (default 127.0.0.1 in NAT, 127.0.0.100 in DR). */
  vipAddress?: string;
  /** IPVS timeouts scaled by this (0.01: ESTABLISHED 9 s, TIME_WAIT 1.2 s, a 300 s template 3 s). */
  timeScale?: number;
  /** TCP state timeouts only, scaled by this instead (1: TIME_WAIT 120 s, ESTABLISHED 900 s, as a real director). */
  tcpTimeScale?: number;
  /** How long an app restart takes. */
  restartDelayMs?: number;
  initialVersion?: string;
  weight?: number;
  pipeline?: string;
  /** keepalived timing for the checker (ms). */
  check?: { delayLoopMs: number; retry: number; delayBeforeRetryMs: number; connectTimeoutMs: number };
  /** Keep `Lab.trace` (VIP flows, app-ctl calls, app starts, first answers, SSH execs): for benchmarks; it grows with the traffic. */
  trace?: boolean;
}

export interface LabServer {
  name: string;
  dir: string;
  ssh: SshHost;
  app: App;
  /** As the directors list it: 127.0.0.1 (NAT) or 127.0.1.N (DR); the port is `app.port`. */
  address: string;
}

/** A keepalived.conf to place on a director: given text, or one of the lab's variants. */
export type KeepalivedInput = { content: string } | { variant: KeepalivedVariant };

export interface PlacedKeepalived {
  path: string;
  /** Real servers whose inhibit_on_failure the running checker took from the new file. */
  reloaded: RealServerStatus[];
}

export interface Lab {
  dir: string;
  configPath: string;
  labJsonPath: string;
  info: LabInfo;
  forward: ForwardMode;
  vip: Vip;
  directors: LabDirector[];
  servers: LabServer[];
  timeline: Timeline;
  /** With `trace: true`: when each server's flows ended, its app restarted, its new instance first answered; every SSH exec. */
  trace: LabTrace | undefined;
  /** Every host's addresses and sysctls. */
  net: LabNet;
  /** Which director is keepalived's MASTER. */
  master(): LabDirector;
  /** Whose table routes the VIP's packets: the MASTER while it holds the VIP, else a director that does. */
  routing(): LabDirector;
  /** The next director becomes MASTER and takes the VIP; the others drop it. */
  failover(): LabDirector;
  sshHost(name: string): SshHost | undefined;
  /** keepalived.conf of a director (absolute), when it has one. */
  keepalivedPath(director: string): string | undefined;
  /** Writes a director's keepalived.conf (named in the cluster file from then on) and reloads its checker. */
  placeKeepalived(director: string, input: KeepalivedInput): Promise<PlacedKeepalived>;
  stop(): Promise<void>;
}

export async function startLab(options: LabOptions): Promise<Lab> {
  const dir = resolve(options.dir);
  const forward = options.forward ?? 'nat';
  const timeScale = options.timeScale ?? 0.01;
  const checkerMode = options.checker ?? 'off';
  const weight = options.weight ?? 100;
  const initialVersion = options.initialVersion ?? 'v1';
  const directorCount = options.directors ?? 2;
  const vipAddress = options.vipAddress ?? (forward === 'dr' ? DR_VIP_ADDRESS : NAT_VIP_ADDRESS);
  const trace = options.trace ? createLabTrace() : undefined;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });

  const cleanups: (() => Promise<unknown>)[] = [];
  // Each part gets a bounded time to stop, so one stuck part cannot keep the rest (and the
  // process) alive; the lab says which one it was.
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), 10_000);
        timer.unref();
      });
      const outcome = await Promise.race([
        cleanup().then(
          () => 'done' as const,
          () => 'done' as const,
        ),
        late,
      ]);
      clearTimeout(timer);
      if (outcome === 'late') process.emitWarning(`lab: a part did not stop within 10 s: ${cleanup.name || cleanup.toString().slice(0, 60)}`);
    }
    cleanups.length = 0;
    stopSpawner(); // the hosts' shells are gone; it stops now, or when another lab's are
  };
  try {
    // The user key every host accepts, and its files for the cluster file and OpenSSH.
    const userKey = generateKeyPair('lvs-release-lab');
    const privateKey = join(dir, 'id_ed25519');
    await writeFile(privateKey, userKey.privateKey, { mode: 0o600 });
    await chmod(privateKey, 0o600);
    await writeFile(`${privateKey}.pub`, `${userKey.publicKey}\n`);
    const authorizedKeys = parseAuthorizedKeys(userKey.publicKey);

    // Handlers are looked up per call: they are filled in as the parts they answer from exist.
    const handlers: Record<string, ToolHandler | ToolSpec> = {};
    const toolsDir = join(dir, '.tools');
    const tools = await installLabTools({ toolsDir, handlers, names: ['ipvsadm', 'app-ctl', ...HOST_TOOLS.filter((t) => t !== 'cat')], procCat: true });
    cleanups.push(() => tools.stop());
    const startHost = async (name: string, hostDir: string) => {
      const key = generateKeyPair(`lab-${name}`);
      const host = await startSshHost({
        name,
        dir: hostDir,
        hostKey: key.privateKey,
        authorizedKeys,
        env: tools.env(name),
        toolsDir,
        user: LAB_USER,
        ...(trace ? { onExec: (e: { command: string; from: number; to: number }) => trace.exec({ host: name, ...e }) } : {}),
      });
      cleanups.push(() => host.stop());
      return host;
    };

    const directorNames = Array.from({ length: directorCount }, (_, i) => `lvs${i + 1}`);
    const serverNames = Array.from({ length: options.servers }, (_, i) => `web${i + 1}`);
    const net = createLabNet({ forward, vipAddress, directors: directorNames, servers: serverNames, master: directorNames[0] ?? '' });
    let masterIndex = 0;
    const directors: LabDirector[] = [];
    let timeline: Timeline | undefined;
    const master = () => directors[masterIndex] as LabDirector;
    const routing = () => (net.directorHoldsVip(master().name) ? master() : (directors.find((d) => net.directorHoldsVip(d.name)) ?? master()));
    const serverAt = new Map<string, string>();
    const deliver = packetPath({ net, routing: () => routing().name, serverAt: (address, port) => serverAt.get(`${address}:${port}`) });

    // The directors first (the VIP routes by one of them); their tables are filled once the
    // servers exist, and their changes reach the VIP through `tableChanged` once it does.
    let tableChanged = () => {};
    const onChange = (name: string) => {
      const d = directors.find((x) => x.name === name);
      if (d && timeline) timeline.record(name, d.state.table(), 'change', Date.now());
      tableChanged();
    };
    for (const name of directorNames) {
      const director = createLabDirector({ name, timeScale, ...(options.tcpTimeScale !== undefined ? { tcpTimeScale: options.tcpTimeScale } : {}), onChange });
      directors.push(director);
      cleanups.push(() => director.stop());
    }

    // The routing director's net.ipv4.vs.* switches, read by the VIP as the kernel would.
    const ipvsSysctl = (name: string) => Number(net.host(routing().name)?.sysctl(`net.ipv4.vs.${name}`) ?? 0) !== 0;
    // The VIP before the apps: in DR every app listens on its port.
    const vip: Vip = await startVip({
      host: vipAddress,
      table: () => routing().routes(),
      conns: () => routing().conns,
      masqOnly: forward === 'nat',
      deliver,
      expireQuiescentTemplate: () => ipvsSysctl('expire_quiescent_template'),
      expireNodestConn: () => ipvsSysctl('expire_nodest_conn'),
      ...(trace ? { onEvent: traceFlows(trace, (address, port) => serverAt.get(`${address}:${port}`)) } : {}),
    });
    tableChanged = () => vip.notifyTableChanged();
    cleanups.push(() => vip.close());
    net.onChange(() => vip.notifyTableChanged());

    // Real servers: the app, then SSH.
    const servers: LabServer[] = [];
    await Promise.all(
      serverNames.map(async (name, i) => {
        const serverDir = join(dir, name);
        await prepareServerDir(serverDir, { initialVersion });
        const address = forward === 'dr' ? serverAddress(i) : '127.0.0.1';
        const app = await startApp({
          name,
          dir: serverDir,
          startDelayMs: options.restartDelayMs ?? 300,
          ...(forward === 'dr' ? { host: address, port: vip.port } : {}),
          ...(trace
            ? {
                onEvent: (e: AppEvent) =>
                  e.type === 'app-started' ? trace.appStarted({ server: name, id: e.id, version: e.version, at: Date.now() }) : undefined,
                onResponse: (r: AppResponse) => trace.responded({ server: name, id: r.id, status: r.status, arrivedAt: r.arrivedAt, at: r.finishedAt }),
              }
            : {}),
        });
        cleanups.push(() => app.close());
        // NOTE: a DR app cannot pick another port; one that cannot bind leaves the lab unusable.
        if (!app.status().running) throw new Error(`lab: ${name} did not start on ${address}:${app.port}`);
        const ssh = await startHost(name, serverDir);
        servers[i] = { name, dir: serverDir, ssh, app, address };
      }),
    );
    for (const s of servers) serverAt.set(`${s.address}:${s.app.port}`, s.name);
    const appByHost = new Map(servers.map((s) => [s.name, s.app]));
    const appCtl = createAppCtlHandler((host) => appByHost.get(host));
    handlers['app-ctl'] = trace
      ? async (call) => {
          const from = Date.now();
          const result = await appCtl(call);
          trace.appCtl({ server: call.host, command: call.argv.join(' '), from, to: Date.now(), exitCode: result.exitCode });
          return result;
        }
      : appCtl;

    // The directors' tables (Masq or Route), and the timeline from the pool as built.
    const method = forward === 'dr' ? '-g' : '-m';
    const serviceKey: ServiceKey = { kind: 'addr', protocol: 'tcp', family: 'inet', address: vipAddress, port: vip.port };
    const vipText = `${vipAddress}:${vip.port}`;
    for (const director of directors) {
      director.ipvsadm(['-A', '-t', vipText, '-s', 'wlc']);
      for (const s of servers) director.ipvsadm(['-a', '-t', vipText, '-r', `${s.address}:${s.app.port}`, method, '-w', String(weight)]);
    }
    timeline = createTimeline(
      [serviceKey],
      servers.map((s) => ({ name: s.name, address: s.address, port: s.app.port })),
    );
    const byHostDirector = new Map(directors.map((d) => [d.name, d]));
    handlers.ipvsadm = {
      run: async ({ host, argv, stdin }) => {
        const director = byHostDirector.get(host);
        if (!director) return { exitCode: 127, stderr: `sh: ipvsadm: not found on ${host}\n` };
        return director.ipvsadm(argv, stdin.toString('utf8'));
      },
      readsStdin: (argv) => argv.some((a) => a === '-R' || a === '--restore'),
    };
    Object.assign(handlers, createHostToolHandlers({ net, vip: () => vip, appOf: (h) => appByHost.get(h), directorOf: (h) => byHostDirector.get(h) }));

    // keepalived.conf on every director and the checker, when asked; its HTTP_GET is the app's health file.
    const check = options.check ?? { delayLoopMs: 1000, retry: 1, delayBeforeRetryMs: 300, connectTimeoutMs: 1000 };
    const checked: CheckedService[] = [
      {
        key: serviceKey,
        scheduler: 'wlc',
        realServers: servers.map((s) => ({
          address: s.address,
          port: s.app.port,
          weight,
          inhibitOnFailure: checkerMode !== 'delete',
          forward: forward === 'dr' ? ('Route' as const) : ('Masq' as const),
          check: { type: 'HTTP_GET' as const, path: '/health/ready.html', statusCode: 200, fastRecovery: true, ...check },
        })),
      },
    ];
    const confInput = (name: string, index: number) => ({
      name,
      index,
      vipAddress,
      services: checked,
      base: checkerMode === 'delete' ? ('delete' as const) : ('inhibit' as const),
    });
    const keepalivedOf = new Map<string, string>();
    const directorHosts: { director: LabDirector; ssh: SshHost; dir: string }[] = [];
    for (const [i, director] of directors.entries()) {
      const directorDir = join(dir, director.name);
      await prepareDirectorDir(directorDir);
      if (checkerMode !== 'off') {
        await writeFile(join(directorDir, KEEPALIVED_PATH), renderLabKeepalived(confInput(director.name, i), checkerMode));
        keepalivedOf.set(director.name, KEEPALIVED_PATH);
        await director.startChecker(checked);
      }
      directorHosts.push({ director, ssh: await startHost(director.name, directorDir), dir: directorDir });
    }
    for (const d of directors) timeline.record(d.name, d.state.table(), 'start', Date.now());

    // known_hosts for every host, then the files scripts use.
    const sshHosts = [...directorHosts.map((d) => d.ssh), ...servers.map((s) => s.ssh)];
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `${sshHosts.map((h) => h.knownHostsLine).join('\n')}\n`);
    const configPath = join(dir, 'release.yaml');
    const clusterFile = (): LabClusterFile => ({
      vipHost: vipAddress,
      vipPort: vip.port,
      user: LAB_USER,
      directors: directorHosts.map((d) => ({
        name: d.director.name,
        port: d.ssh.port,
        ...(keepalivedOf.has(d.director.name) ? { keepalived: keepalivedOf.get(d.director.name) as string } : {}),
      })),
      servers: servers.map((s) => ({ name: s.name, port: s.ssh.port, http: s.app.port, address: s.address })),
      pipeline: options.pipeline ?? (checkerMode === 'off' ? 'symlink' : 'healthfile'),
    });
    await writeFile(configPath, renderLabClusterFile(clusterFile()));

    const hostInfos = (): LabHostInfo[] =>
      labHostInfos({
        user: LAB_USER,
        directors: directorHosts.map((d, i) => ({
          name: d.director.name,
          sshPort: d.ssh.port,
          dir: d.dir,
          master: i === masterIndex,
          keepalived: keepalivedOf.get(d.director.name),
        })),
        servers: servers.map((s) => ({ name: s.name, sshPort: s.ssh.port, dir: s.dir, address: s.address, http: s.app.port })),
      });
    const lab: Lab = {
      dir,
      configPath,
      labJsonPath: join(dir, 'lab.json'),
      info: undefined as unknown as LabInfo,
      forward,
      vip,
      directors,
      servers,
      timeline,
      trace,
      net,
      master,
      routing,
      failover() {
        masterIndex = (masterIndex + 1) % directors.length;
        // keepalived: the new MASTER takes the VIP, a BACKUP gives it up.
        for (const d of directors) net.setDirectorVip(d.name, d === master());
        vip.notifyTableChanged();
        return master();
      },
      sshHost: (name) => sshHosts.find((h) => h.name === name),
      keepalivedPath(name) {
        const relative = keepalivedOf.get(name);
        const d = directorHosts.find((x) => x.director.name === name);
        return relative && d ? join(d.dir, relative) : undefined;
      },
      async placeKeepalived(name, input) {
        const index = directorHosts.findIndex((x) => x.director.name === name);
        const d = directorHosts[index];
        if (!d) throw new Error(`${name} is not a director`);
        const text = 'content' in input ? input.content : renderLabKeepalived(confInput(name, index), input.variant);
        const path = join(d.dir, KEEPALIVED_PATH);
        await writeFile(path, text);
        if (!keepalivedOf.has(name)) {
          keepalivedOf.set(name, KEEPALIVED_PATH);
          await writeFile(configPath, renderLabClusterFile(clusterFile()));
          lab.info = { ...lab.info, hosts: hostInfos() };
          await writeLabJson(lab.labJsonPath, lab.info);
        }
        return { path, reloaded: reloadKeepalived(d.director.checker, serviceKey, text) };
      },
      stop,
    };
    const control: Control = await startControl(lab);
    cleanups.push(() => control.close());
    lab.info = {
      vip: vip.url,
      control: control.url,
      privateKey,
      knownHosts,
      hosts: hostInfos(),
      config: configPath,
      vipHost: vipAddress,
      vipPort: vip.port,
      pid: process.pid,
      forward,
    };
    await writeLabJson(lab.labJsonPath, lab.info);
    return lab;
  } catch (error) {
    await stop();
    throw error;
  }
}

// The VIP's flows per server, for the trace: opened when accepted, ended at their last event.
function traceFlows(trace: LabTrace, serverAt: (address: string, port: number) => string | undefined): (event: VipEvent) => void {
  return (event) => {
    if (!('destination' in event)) return;
    const server = serverAt(event.destination.address, event.destination.port);
    if (!server) return;
    if (event.type === 'accepted') trace.flowOpened(server, Date.now());
    else if (event.type === 'closed' || event.type === 'expired' || event.type === 'lost-entry' || event.type === 'backend-failed')
      trace.flowEnded(server, Date.now());
  };
}
