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
  /** Directors: MASTER or BACKUP. */
  state?: 'MASTER' | 'BACKUP';
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
}

export async function writeLabJson(path: string, info: LabInfo): Promise<void> {
  await writeFile(path, `${JSON.stringify(info, null, 2)}\n`);
}

export interface LabClusterFile {
  vipPort: number;
  user: string;
  directors: { name: string; port: number; keepalived?: string }[];
  servers: { name: string; port: number; http: number }[];
  pipeline: string;
}

/** The cluster file for the lab: NAT on 127.0.0.1, one port per real server. */
export function renderLabClusterFile(input: LabClusterFile): string {
  const doc = {
    cluster: 'lab',
    directors: input.directors.map((d) => ({ host: '127.0.0.1', name: d.name, ssh: { port: d.port }, ...(d.keepalived ? { keepalived: d.keepalived } : {}) })),
    services: [{ vip: `127.0.0.1:${input.vipPort}`, protocol: 'tcp' }],
    realServers: input.servers.map((s) => ({ host: '127.0.0.1', name: s.name, address: '127.0.0.1', port: s.http, ssh: { port: s.port } })),
    ssh: { user: input.user, identityFile: './id_ed25519', knownHosts: './known_hosts', sudo: false, connectTimeout: '10s', concurrency: 16 },
    // The lab's service manager: real clusters name their own (e.g. sudo -n systemctl restart shop).
    app: { root: 'app', healthFile: 'app/shared/health/ready.html', restart: 'app-ctl restart' },
    pipeline: input.pipeline,
    journal: { dir: './journal' },
  };
  return `# Written by \`release lab\`: a cluster file for this lab, usable as it is.\n${stringify(doc)}`;
}
