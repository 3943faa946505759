// `--report FILE` through the real CLI (issue 8, item 8): an unwritable report path is a usage
// error (exit 2) before any network: the cluster's hosts are one TCP listener that counts
// connections, and it must see none.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/lab/host/host-keys.ts';
import { cli } from './support.ts';

let dir: string;
/** One listener per host (lvs1, web1, web2): each counts the connections it is offered. */
const servers: Server[] = [];
let connections = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lvs-cli-report-'));
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) {
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    ports.push((server.address() as { port: number }).port);
  }
  await writeFile(join(dir, 'id_ed25519'), generateKeyPair().privateKey, { mode: 0o600 });
  await writeFile(join(dir, 'known_hosts'), '');
  await writeFile(join(dir, 'plain-file'), 'not a directory\n');
  await writeFile(
    join(dir, 'release.yaml'),
    [
      'cluster: counted',
      'directors:',
      `  - { host: 127.0.0.1, name: lvs1, ssh: { port: ${ports[0]} } }`,
      'services:',
      '  - vip: 127.0.0.1:8080',
      'realServers:',
      `  - { host: 127.0.0.1, name: web1, port: 9001, ssh: { port: ${ports[1]} } }`,
      `  - { host: 127.0.0.1, name: web2, port: 9002, ssh: { port: ${ports[2]} } }`,
      'ssh: { user: deploy, identityFile: id_ed25519, knownHosts: known_hosts }',
      'app: { root: app }',
      'pipeline: pipeline.yaml',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'pipeline.yaml'),
    ['name: tiny', 'phases:', '  deploy:', '    - run: "true"', '  verify:', '    - http: { path: /health }', '  rollback:', '    - run: "true"', ''].join(
      '\n',
    ),
  );
});
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  await rm(dir, { recursive: true, force: true });
});

describe('--report FILE that cannot be written', () => {
  it("the cluster's hosts are reachable: without --report, the run does connect (the probe works)", async () => {
    const before = connections;
    const result = await cli(dir, ['--batch', '1', '--release-id', 'r1']);
    expect(result.code).toBe(3);
    expect(connections).toBeGreaterThan(before);
  });

  it.each([
    [['--report', 'no-such-dir/report.json', '--batch', '1'], 'no-such-dir/report.json', 'ENOENT'],
    [['plan', '--report', 'plain-file/report.json'], 'plain-file/report.json', 'ENOTDIR'],
    [['rollback', '--to', 'r0', '--report', 'no-such-dir/report.json'], 'no-such-dir/report.json', 'ENOENT'],
    [['--report', 'no-such-dir/report.json', 'recover'], 'no-such-dir/report.json', 'ENOENT'],
  ])('release %j: exit 2 naming the path and the OS error, no connection made', async (argv, path, osError) => {
    const before = connections;
    const result = await cli(dir, argv);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/✖ USAGE/);
    expect(result.stderr).toContain(join(dir, path));
    expect(result.stderr).toContain(osError);
    expect(connections).toBe(before);
  });
});
