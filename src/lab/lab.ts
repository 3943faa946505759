// The lab: a whole LVS cluster in one process on loopback. Directors (ipvsadm emulator + optional
// keepalived-like checker), real servers (SSH + app), the VIP (real TCP, kernel semantics), a
// timeline of the pool for invariant checks, and a control API. `startLab` builds it; `stop` ends it.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ServiceKey } from '../ipvs/model.ts';
import { startApp, type App } from './app/app.ts';
import { createAppCtlHandler } from './app/app-ctl.ts';
import { createLabDirector, type LabDirector } from './director.ts';
import { renderLabClusterFile, writeLabJson, type LabHostInfo, type LabInfo } from './files.ts';
import { generateKeyPair, parseAuthorizedKeys } from './host/host-keys.ts';
import { prepareDirectorDir, prepareServerDir } from './host/layout.ts';
import { startSshHost, type SshHost } from './host/ssh-host.ts';
import { renderKeepalivedConf, type CheckedService } from './net/keepalived.ts';
import { startVip, type Vip } from './net/vip.ts';
import { createTimeline, type Timeline } from './timeline.ts';
import { startToolServer, type ToolServer } from './tools/tool-server.ts';
import { writeToolShims } from './tools/shims.ts';
import { buildShShim, startShBridge } from './tools/sh-bridge.ts';
import { existsSync } from 'node:fs';
import { startControl, type Control } from './control.ts';

export const LAB_USER = 'lab';
export const CHECKER_MODES = ['off', 'inhibit', 'delete'] as const;
export type CheckerMode = (typeof CHECKER_MODES)[number];

export interface LabOptions {
  dir: string;
  servers: number;
  directors?: number;
  /** keepalived-like health checks on the directors: off, with inhibit_on_failure, or deleting. */
  checker?: CheckerMode;
  /** IPVS timeouts scaled by this (0.01: ESTABLISHED 9 s, TIME_WAIT 1.2 s). */
  timeScale?: number;
  /** How long an app restart takes. */
  restartDelayMs?: number;
  initialVersion?: string;
  weight?: number;
  pipeline?: string;
  /** keepalived timing for the checker (ms). */
  check?: { delayLoopMs: number; retry: number; delayBeforeRetryMs: number; connectTimeoutMs: number };
}

export interface LabServer {
  name: string;
  dir: string;
  ssh: SshHost;
  app: App;
}

export interface Lab {
  dir: string;
  configPath: string;
  labJsonPath: string;
  info: LabInfo;
  vip: Vip;
  directors: LabDirector[];
  servers: LabServer[];
  timeline: Timeline;
  /** Which director's table routes (MASTER). */
  master(): LabDirector;
  failover(): LabDirector;
  sshHost(name: string): SshHost | undefined;
  stop(): Promise<void>;
}

// NOTE: a Unix socket path holds at most 107 bytes; lab dirs can be deep, so keep it in tmpdir.
function socketPath(): string {
  return join(tmpdir(), `lvs-lab-${process.pid}-${randomBytes(4).toString('hex')}.sock`);
}

export async function startLab(options: LabOptions): Promise<Lab> {
  const dir = resolve(options.dir);
  const timeScale = options.timeScale ?? 0.01;
  const checkerMode = options.checker ?? 'off';
  const weight = options.weight ?? 100;
  const initialVersion = options.initialVersion ?? 'v1';
  const directorCount = options.directors ?? 2;
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
      const outcome = await Promise.race([cleanup().then(() => 'done' as const, () => 'done' as const), late]);
      clearTimeout(timer);
      if (outcome === 'late') process.emitWarning(`lab: a part did not stop within 10 s: ${cleanup.name || cleanup.toString().slice(0, 60)}`);
    }
    cleanups.length = 0;
  };
  try {
    // The user key every host accepts, and its files for the cluster file and OpenSSH.
    const userKey = generateKeyPair('lvs-release-lab');
    const privateKey = join(dir, 'id_ed25519');
    await writeFile(privateKey, userKey.privateKey, { mode: 0o600 });
    await chmod(privateKey, 0o600);
    await writeFile(`${privateKey}.pub`, `${userKey.publicKey}\n`);
    const authorizedKeys = parseAuthorizedKeys(userKey.publicKey);

    const toolsDir = join(dir, '.tools');
    await writeToolShims(toolsDir, ['ipvsadm', 'app-ctl', 'sudo']);
    const handlers: Parameters<typeof startToolServer>[0]['handlers'] = {};
    const tools: ToolServer = await startToolServer({ socketPath: socketPath(), handlers });
    cleanups.push(() => tools.stop());
    // Where bash is available, the tools use the cheap /dev/tcp bridge instead of starting Node.
    const shBridge = existsSync('/bin/bash') ? await startShBridge(handlers) : undefined;
    if (shBridge) {
      cleanups.push(() => shBridge.stop());
      for (const name of ['ipvsadm', 'app-ctl']) await writeFile(join(toolsDir, name), buildShShim(name), { mode: 0o755 });
    }

    const hostEnv = (name: string) => ({
      LAB_SOCKET: tools.socketPath,
      LAB_HOST: name,
      ...(shBridge ? { LAB_TOOLS_PORT: String(shBridge.port) } : {}),
    });
    const startHost = async (name: string, hostDir: string) => {
      const key = generateKeyPair(`lab-${name}`);
      const host = await startSshHost({ name, dir: hostDir, hostKey: key.privateKey, authorizedKeys, env: hostEnv(name), toolsDir, user: LAB_USER });
      cleanups.push(() => host.stop());
      return host;
    };

    // Real servers: the app first (its port is the destination port), then SSH.
    const servers: LabServer[] = [];
    await Promise.all(
      Array.from({ length: options.servers }, async (_, i) => {
        const name = `web${i + 1}`;
        const serverDir = join(dir, name);
        await prepareServerDir(serverDir, { initialVersion });
        const app = await startApp({ name, dir: serverDir, startDelayMs: options.restartDelayMs ?? 300 });
        cleanups.push(() => app.close());
        const ssh = await startHost(name, serverDir);
        servers[i] = { name, dir: serverDir, ssh, app };
      }),
    );
    const appByHost = new Map(servers.map((s) => [s.name, s.app]));
    handlers['app-ctl'] = createAppCtlHandler((host) => appByHost.get(host));

    // The VIP, then the directors whose tables it routes by.
    let masterIndex = 0;
    const directors: LabDirector[] = [];
    let vip: Vip | undefined;
    const timelineServers = servers.map((s) => ({ name: s.name, address: '127.0.0.1', port: s.app.port }));
    let timeline: Timeline | undefined;
    let serviceKey: ServiceKey | undefined;
    const onChange = (director: string) => {
      const d = directors.find((x) => x.name === director);
      if (d && timeline) timeline.record(director, d.state.table(), 'change', Date.now());
      vip?.notifyTableChanged();
    };
    for (let i = 0; i < directorCount; i++) {
      const director = createLabDirector({ name: `lvs${i + 1}`, timeScale, onChange });
      directors.push(director);
      cleanups.push(() => director.stop());
    }
    vip = await startVip({
      table: () => directors[masterIndex]?.state.table(),
      conns: () => (directors[masterIndex] ?? (directors[0] as LabDirector)).conns,
    });
    cleanups.push(() => (vip as Vip).close());
    serviceKey = { kind: 'addr', protocol: 'tcp', family: 'inet', address: '127.0.0.1', port: vip.port };
    const vipText = `127.0.0.1:${vip.port}`;
    for (const director of directors) {
      director.ipvsadm(['-A', '-t', vipText, '-s', 'wlc']);
      for (const s of servers) director.ipvsadm(['-a', '-t', vipText, '-r', `127.0.0.1:${s.app.port}`, '-m', '-w', String(weight)]);
    }
    // Recorded from here on: the pool as built is the baseline.
    timeline = createTimeline([serviceKey], timelineServers);
    const byHostDirector = new Map(directors.map((d) => [d.name, d]));
    handlers.ipvsadm = {
      run: async ({ host, argv, stdin }) => {
        const director = byHostDirector.get(host);
        if (!director) return { exitCode: 127, stderr: `sh: ipvsadm: not found on ${host}\n` };
        return director.ipvsadm(argv, stdin.toString('utf8'));
      },
      readsStdin: (argv) => argv.some((a) => a === '-R' || a === '--restore'),
    };

    // keepalived.conf on every director (doctor reads it), and the checker when asked.
    const check = options.check ?? { delayLoopMs: 1000, retry: 1, delayBeforeRetryMs: 300, connectTimeoutMs: 1000 };
    const checked: CheckedService[] = [
      {
        key: serviceKey,
        scheduler: 'wlc',
        realServers: servers.map((s) => ({
          address: '127.0.0.1',
          port: s.app.port,
          weight,
          inhibitOnFailure: checkerMode !== 'delete',
          forward: 'Masq' as const,
          check: { type: 'HTTP_GET' as const, path: '/health/ready.html', statusCode: 200, fastRecovery: true, ...check },
        })),
      },
    ];
    const directorHosts: { director: LabDirector; ssh: SshHost; dir: string; keepalived?: string }[] = [];
    for (const [i, director] of directors.entries()) {
      const directorDir = join(dir, director.name);
      const layout = await prepareDirectorDir(directorDir);
      const confPath = join(layout.keepalivedDir, 'keepalived.conf');
      if (checkerMode !== 'off') {
        await writeFile(
          confPath,
          renderKeepalivedConf({ routerId: director.name, state: i === 0 ? 'MASTER' : 'BACKUP', priority: i === 0 ? 150 : 100, virtualIps: ['127.0.0.1/32'], services: checked }),
        );
        await director.startChecker(checked);
      }
      const ssh = await startHost(director.name, directorDir);
      directorHosts.push({ director, ssh, dir: directorDir, ...(checkerMode !== 'off' ? { keepalived: 'etc/keepalived/keepalived.conf' } : {}) });
    }
    for (const d of directors) timeline.record(d.name, d.state.table(), 'start', Date.now());

    // known_hosts for every host, then the files scripts use.
    const sshHosts = [...directorHosts.map((d) => d.ssh), ...servers.map((s) => s.ssh)];
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, `${sshHosts.map((h) => h.knownHostsLine).join('\n')}\n`);
    const configPath = join(dir, 'release.yaml');
    await writeFile(
      configPath,
      renderLabClusterFile({
        vipPort: vip.port,
        user: LAB_USER,
        directors: directorHosts.map((d) => ({ name: d.director.name, port: d.ssh.port, ...(d.keepalived ? { keepalived: d.keepalived } : {}) })),
        servers: servers.map((s) => ({ name: s.name, port: s.ssh.port, http: s.app.port })),
        pipeline: options.pipeline ?? (checkerMode === 'off' ? 'symlink' : 'healthfile'),
      }),
    );

    const lab: Lab = {
      dir,
      configPath,
      labJsonPath: join(dir, 'lab.json'),
      info: undefined as unknown as LabInfo,
      vip,
      directors,
      servers,
      timeline,
      master: () => directors[masterIndex] as LabDirector,
      failover() {
        masterIndex = (masterIndex + 1) % directors.length;
        vip?.notifyTableChanged();
        return directors[masterIndex] as LabDirector;
      },
      sshHost: (name) => sshHosts.find((h) => h.name === name),
      stop,
    };
    const control: Control = await startControl(lab);
    cleanups.push(() => control.close());
    const hosts: LabHostInfo[] = [
      ...directorHosts.map((d, i) => ({
        name: d.director.name,
        role: 'director' as const,
        ssh: { host: '127.0.0.1', port: d.ssh.port, user: LAB_USER },
        dir: d.dir,
        state: i === 0 ? ('MASTER' as const) : ('BACKUP' as const),
      })),
      ...servers.map((s) => ({
        name: s.name,
        role: 'server' as const,
        ssh: { host: '127.0.0.1', port: s.ssh.port, user: LAB_USER },
        http: s.app.port,
        address: '127.0.0.1',
        dir: s.dir,
      })),
    ];
    lab.info = { vip: vip.url, control: control.url, privateKey, knownHosts, hosts, config: configPath, vipHost: '127.0.0.1', vipPort: vip.port, pid: process.pid };
    await writeLabJson(lab.labJsonPath, lab.info);
    return lab;
  } catch (error) {
    await stop();
    throw error;
  }
}
