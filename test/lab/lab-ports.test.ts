// A big lab names only ports it actually bound, each once, and its cluster file validates
// (issue 8, item 7: `release lab --servers 200` wrote two servers with the same address and port).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadCluster } from '../../src/config/load.ts';
import type { LabInfo } from '../../src/lab/files.ts';
import { startLab, type Lab } from '../../src/lab/lab.ts';

const SERVERS = 200;

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

let lab: Lab | undefined;
let dir = '';
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

it(`a lab with ${SERVERS} servers: every port distinct and listening, named as bound, and the cluster file validates`, async () => {
  dir = await mkdtemp(join(tmpdir(), 'lvs-lab-ports-'));
  lab = await startLab({ dir: join(dir, 'lab'), servers: SERVERS });
  const info = JSON.parse(await readFile(lab.labJsonPath, 'utf8')) as LabInfo;
  const servers = info.hosts.filter((h) => h.role === 'server');
  expect(servers).toHaveLength(SERVERS);

  // Every listening port of the lab, once each, and each one answers.
  const ports = [info.vipPort, Number(new URL(info.control).port), ...info.hosts.map((h) => h.ssh.port), ...servers.map((s) => s.http ?? 0)];
  expect(ports.filter((p, i) => ports.indexOf(p) !== i)).toEqual([]);
  const silent = (await Promise.all(ports.map(async (p) => ((await accepts(p)) ? undefined : p)))).filter((p) => p !== undefined);
  expect(silent).toEqual([]);

  // The files name the ports the lab bound: each app's own, each SSH host's own.
  expect(servers.map((s) => s.http)).toEqual(lab.servers.map((s) => s.app.port));
  expect(lab.servers.filter((s) => !s.app.status().running).map((s) => s.name)).toEqual([]);
  const cluster = parse(await readFile(lab.configPath, 'utf8')) as { realServers: { name: string; port: number; ssh: { port: number } }[] };
  expect(cluster.realServers.map((s) => [s.name, s.port, s.ssh.port])).toEqual(lab.servers.map((s) => [s.name, s.app.port, s.ssh.port]));

  const loaded = await loadCluster(lab.configPath);
  expect(loaded.ok ? [] : loaded.problems.map((p) => p.message)).toEqual([]);
}, 240_000);
