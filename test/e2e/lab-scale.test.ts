// The lab holds 100 real servers in one process, serves through the VIP, and stops cleanly.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startLab } from '../../src/lab/lab.ts';
import { runLoad } from '../../src/lab/net/load.ts';

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

it('release lab --servers 100: comes up, serves through the VIP, stops with every port freed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lvs-lab100-'));
  const lab = await startLab({ dir: join(dir, 'lab'), servers: 100 });
  const ports = [lab.vip.port, ...lab.servers.flatMap((s) => [s.ssh.port, s.app.port]), ...lab.info.hosts.map((h) => h.ssh.port)];
  try {
    expect(lab.servers).toHaveLength(100);
    expect(lab.info.hosts.filter((h) => h.role === 'server')).toHaveLength(100);
    // rr-like spreading through wlc: 300 fresh connections reach most of the 100 servers.
    const result = await runLoad({ url: lab.vip.url, durationMs: 60_000, maxRequests: 300, concurrency: 6, keepAlive: false, requestTimeoutMs: 10_000 });
    expect(
      result.ok,
      `failures ${JSON.stringify(result.failures)} ${result.errorSamples.join('; ')}; VIP ${JSON.stringify(lab.vip.counters())}; apps down: ${lab.servers
        .filter((s) => !s.app.status().running)
        .map((s) => s.name)
        .join(',')}`,
    ).toBe(300);
    expect(Object.keys(result.byHost).length).toBeGreaterThan(50);
  } finally {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const stillOpen = (await Promise.all(ports.map(refuses))).filter((r) => !r);
  expect(stillOpen).toEqual([]);
});
