// What the lab hands out: DIR/release.yaml (a cluster file `release` uses as it is) and
// DIR/lab.json (the shape scripts rely on; SPEC "The lab": add fields, never rename).
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export interface LabHostInfo {
  name: string;
  role: 'director' | 'server';
  ssh: { host: string; port: number; user: string };
  dir: string;
  /** Servers: the app's HTTP port and the address directors list. */
  http?: number;
  address?: string;
  /** Added. Servers: the app's own URL (`http://address:http/`). */
  url?: string;
  /** Directors: MASTER or BACKUP. */
  state?: 'MASTER' | 'BACKUP';
  /** Added. Directors: keepalived.conf, relative to `dir` (as the cluster file names it), when there is one. */
  keepalived?: string;
}

export interface LabInfo {
  vip: string;
  control: string;
  privateKey: string;
  knownHosts: string;
  hosts: LabHostInfo[];
  /** Added: the cluster file written for this lab, and the VIP's host/port. */
  config: string;
  vipHost: string;
  vipPort: number;
  pid: number;
  /** Added: how the directors forward to the real servers, `nat` (Masq) or `dr` (Route). */
  forward: 'nat' | 'dr';
}

/** lab.json's `hosts`: directors (MASTER first as built), then servers; SSH always on 127.0.0.1. */
export function labHostInfos(input: {
  user: string;
  directors: { name: string; sshPort: number; dir: string; master: boolean; keepalived?: string | undefined }[];
  servers: { name: string; sshPort: number; dir: string; address: string; http: number }[];
}): LabHostInfo[] {
  const ssh = (port: number) => ({ host: '127.0.0.1', port, user: input.user });
  return [
    ...input.directors.map((d) => ({
      name: d.name,
      role: 'director' as const,
      ssh: ssh(d.sshPort),
      dir: d.dir,
      state: d.master ? ('MASTER' as const) : ('BACKUP' as const),
      ...(d.keepalived ? { keepalived: d.keepalived } : {}),
    })),
    ...input.servers.map((s) => ({
      name: s.name,
      role: 'server' as const,
      ssh: ssh(s.sshPort),
      http: s.http,
      address: s.address,
      url: `http://${s.address}:${s.http}/`,
      dir: s.dir,
    })),
  ];
}

export async function writeLabJson(path: string, info: LabInfo): Promise<void> {
  await writeFile(path, `${JSON.stringify(info, null, 2)}\n`);
}

export interface LabClusterFile {
  /** The VIP's address (default 127.0.0.1). */
  vipHost?: string;
  vipPort: number;
  user: string;
  directors: { name: string; port: number; keepalived?: string }[];
  /** `address` as the directors list it (default 127.0.0.1), `http` its port there. */
  servers: { name: string; port: number; http: number; address?: string }[];
  pipeline: string;
}

/**
 * The cluster file for the lab. NAT: the VIP on 127.0.0.1, one port per real server. DR: each
 * real server on its own 127.0.1.N at the VIP's port. SSH always goes to 127.0.0.1, one port per host.
 */
export function renderLabClusterFile(input: LabClusterFile): string {
  const doc = {
    cluster: 'lab',
    directors: input.directors.map((d) => ({ host: '127.0.0.1', name: d.name, ssh: { port: d.port }, ...(d.keepalived ? { keepalived: d.keepalived } : {}) })),
    services: [{ vip: `${input.vipHost ?? '127.0.0.1'}:${input.vipPort}`, protocol: 'tcp' }],
    realServers: input.servers.map((s) => ({ host: '127.0.0.1', name: s.name, address: s.address ?? '127.0.0.1', port: s.http, ssh: { port: s.port } })),
    ssh: { user: input.user, identityFile: './id_ed25519', knownHosts: './known_hosts', sudo: false, connectTimeout: '10s', concurrency: 16 },
    // The lab's service manager: real clusters name their own (e.g. sudo -n systemctl restart shop).
    app: { root: 'app', healthFile: 'app/shared/health/ready.html', restart: 'app-ctl restart' },
    pipeline: input.pipeline,
    journal: { dir: './journal' },
  };
  return `# Written by \`release lab\`: a cluster file for this lab, usable as it is.\n${stringify(doc)}`;
}
