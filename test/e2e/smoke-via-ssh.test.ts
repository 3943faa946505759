// Issue 12 item 10 on the lab: with app.smoke.via: ssh, every smoke check goes through the
// server's own SSH connection as a forwarded TCP channel (no new connection), and the release
// behaves as with direct checks: exit 0, no failed request, every server back in the pool.
import { afterEach, describe, expect, it } from 'vitest';
import { failuresOf, startE2eLab, writeClusterVariant, type E2eLab } from './harness.ts';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

let env: E2eLab | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('smoke checks through the SSH connection', () => {
  it("releases 4 servers with every check forwarded by each server's own SSH host, one connection each", async () => {
    env = await startE2eLab({ servers: 4 });
    const cluster = parse(await readFile(env.config, 'utf8')) as { app: Record<string, unknown> };
    const config = await writeClusterVariant(env, 'release-via-ssh.yaml', { app: { ...cluster.app, smoke: { via: 'ssh' } } });
    const good = await env.artifact('v2');
    for (const s of env.lab.servers) s.ssh.resetUsage();
    const load = env.startLoad();
    const result = await env.cli(['-c', config, '--artifact', good, '--release-id', 'r2', '--batch', '2']);
    const traffic = await load.stop();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(failuresOf(traffic)).toEqual({});
    expect(Object.values(env.versions())).toEqual(['v2', 'v2', 'v2', 'v2']);
    for (const s of env.lab.servers) {
      const usage = s.ssh.usage();
      expect(usage.forwards, s.name).toBeGreaterThanOrEqual(1);
      expect(usage.connections, s.name).toBe(1);
    }
  });
});
